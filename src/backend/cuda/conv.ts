/**
 * Conv2D, FusedConv2D and the two convolution gradients on cuDNN. cuDNN pads symmetrically; tfjs' 'same'
 * with an even filter or a stride pads one more cell at the bottom/right, so those convolutions run on an
 * explicitly zero-padded copy of the input (and the input gradient is cropped back).
 */
import { backend_util } from '@tensorflow/tfjs';
import type {
  Conv2DAttrs, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, FusedConv2DAttrs, TensorInfo,
} from '@tensorflow/tfjs';
import { BINARY, UNARY } from './device.ts';
import { binaryOp, unaryOp } from './elementwise.ts';
import { gatherPlan, kernel, sizeOf, stridesOf, type CudaArgs, type CudaKernelGroup } from './kernel.ts';

type ConvInfo = backend_util.Conv2DInfo;
type Shape4 = [number, number, number, number];

/** The 15-number geometry native/cuda/src/dnn.h reads, for a convolution whose pads are (pt, pl) on both sides. */
function geom(c: ConvInfo, h: number, w: number, pt: number, pl: number): number[] {
  return [c.batchSize, h, w, c.inChannels, c.filterHeight, c.filterWidth, c.outChannels, c.outHeight, c.outWidth,
    c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, pt, pl];
}

function symmetric(c: ConvInfo): boolean {
  return c.padInfo.top === c.padInfo.bottom && c.padInfo.left === c.padInfo.right;
}

/**
 * Whether tfjs' output size is what the padded input gives (it is, except for tfjs' odd sizing of a
 * numeric pad with unequal strides; those run on the CPU).
 */
function consistent(c: ConvInfo): boolean {
  const h = c.inHeight + c.padInfo.top + c.padInfo.bottom, w = c.inWidth + c.padInfo.left + c.padInfo.right;
  const oh = Math.floor((h - c.effectiveFilterHeight) / c.strideHeight) + 1;
  const ow = Math.floor((w - c.effectiveFilterWidth) / c.strideWidth) + 1;
  return oh === c.outHeight && ow === c.outWidth && c.padInfo.top >= 0 && c.padInfo.left >= 0 && c.batchSize > 0;
}

/** x zero-padded by the conv's pads (NHWC). */
function padded(args: CudaArgs, x: TensorInfo, c: ConvInfo): TensorInfo {
  const { backend } = args;
  const shape: Shape4 = [c.batchSize, c.inHeight + c.padInfo.top + c.padInfo.bottom, c.inWidth + c.padInfo.left + c.padInfo.right, c.inChannels];
  const ys = stridesOf(shape);
  const out = backend.output(shape, 'float32');
  backend.device.fill(out.ptr, 0, 0, sizeOf(shape));
  const plan = gatherPlan(x.shape, ys);
  backend.device.place(backend.ptr(x), out.ptr, 4, plan.dims, plan.strides, c.padInfo.top * ys[1] + c.padInfo.left * ys[2]);
  return out.info;
}

/** Runs `op` on x as cuDNN takes it: x itself when the pads are symmetric, else a zero-padded copy with no pads. */
function withCudnnPads(args: CudaArgs, x: TensorInfo, c: ConvInfo, op: (xPtr: number, geometry: number[]) => void): void {
  if (symmetric(c)) {
    op(args.backend.ptr(x), geom(c, c.inHeight, c.inWidth, c.padInfo.top, c.padInfo.left));
    return;
  }
  const xp = padded(args, x, c);
  op(args.backend.ptr(xp), geom(c, xp.shape[1], xp.shape[2], 0, 0));
  args.backend.disposeIntermediateTensorInfo(xp);
}

export function conv2d(args: CudaArgs, x: TensorInfo, filter: TensorInfo, c: ConvInfo): TensorInfo {
  const out = args.backend.output([...c.outShape], 'float32');
  withCudnnPads(args, x, c, (xPtr, g) => args.backend.device.conv2d(xPtr, args.backend.ptr(filter), out.ptr, g));
  return out.info;
}

function convInfo(xShape: number[], filterShape: number[], a: Conv2DAttrs, dilations: Conv2DAttrs['dilations']): ConvInfo {
  return backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4, a.strides, dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
}

function covered(x: TensorInfo, filter: TensorInfo, dataFormat: string | undefined): boolean {
  return x.dtype === 'float32' && filter.dtype === 'float32' && dataFormat !== 'NCHW' && x.shape.length === 4;
}

const ACTIVATION: Readonly<Record<string, number>> = {
  relu: UNARY.Relu, relu6: UNARY.Relu6, sigmoid: UNARY.Sigmoid, elu: UNARY.Elu, leakyrelu: UNARY.LeakyRelu,
};

/** Whether biasActivation() covers this activation (PReLU needs its weights). */
export function fusedActivationCovered(activation: string | undefined, prelu: TensorInfo | null | undefined): boolean {
  const act = activation ?? 'linear';
  return act === 'linear' || (act === 'prelu' ? prelu != null && prelu.dtype === 'float32' : ACTIVATION[act] !== undefined);
}

/**
 * Adds a bias (numpy broadcasting) and applies a fused activation to a fresh conv or matmul output, which it
 * consumes. Check fusedActivationCovered() first.
 */
export function biasActivation(args: CudaArgs, y: TensorInfo, bias: TensorInfo | null | undefined, prelu: TensorInfo | null | undefined,
  activation: string | undefined, leakyreluAlpha: number | undefined): TensorInfo {
  let out = y;
  const then = (next: TensorInfo | undefined): void => {
    if (next === undefined) throw new Error('cuda backend: a fused bias or activation did not fit the output shape');
    args.backend.disposeIntermediateTensorInfo(out);
    out = next;
  };
  if (bias != null) then(binaryOp(args, BINARY.Add, out, bias));
  const act = activation ?? 'linear';
  if (act === 'prelu') then(binaryOp(args, BINARY.Prelu, out, prelu!));
  else if (act !== 'linear') then(unaryOp(args, ACTIVATION[act], out, act === 'leakyrelu' ? leakyreluAlpha ?? 0.2 : 0));
  return out;
}

export const convKernels: CudaKernelGroup = (cpu) => [
  kernel('Conv2D', cpu, (args) => {
    const { x, filter } = args.inputs;
    const a = args.attrs as unknown as Conv2DAttrs;
    if (!covered(x, filter, a.dataFormat)) return undefined;
    const c = convInfo(x.shape, filter.shape, a, a.dilations);
    return consistent(c) ? conv2d(args, x, filter, c) : undefined;
  }),

  kernel('FusedConv2D', cpu, (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const a = args.attrs as unknown as FusedConv2DAttrs;
    if (!covered(x, filter, a.dataFormat) || (bias != null && bias.dtype !== 'float32')) return undefined;
    if (!fusedActivationCovered(a.activation, preluActivationWeights)) return undefined;
    const c = convInfo(x.shape, filter.shape, a as unknown as Conv2DAttrs, a.dilations);
    if (!consistent(c)) return undefined;
    return biasActivation(args, conv2d(args, x, filter, c), bias, preluActivationWeights, a.activation, a.leakyreluAlpha);
  }),

  kernel('Conv2DBackpropInput', cpu, (args) => {
    const { dy, filter } = args.inputs;
    const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
    if (!covered(dy, filter, a.dataFormat)) return undefined;
    const c = backend_util.computeConv2DInfo(a.inputShape, filter.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (!consistent(c)) return undefined;
    const { backend } = args;
    if (symmetric(c)) {
      const out = backend.output([...c.inShape], 'float32');
      backend.device.conv2dBackpropInput(backend.ptr(dy), backend.ptr(filter), out.ptr, geom(c, c.inHeight, c.inWidth, c.padInfo.top, c.padInfo.left));
      return out.info;
    }
    // Gradient with respect to the padded input, then the interior crop.
    const ph = c.inHeight + c.padInfo.top + c.padInfo.bottom, pw = c.inWidth + c.padInfo.left + c.padInfo.right;
    const full = backend.output([c.batchSize, ph, pw, c.inChannels], 'float32');
    backend.device.conv2dBackpropInput(backend.ptr(dy), backend.ptr(filter), full.ptr, geom(c, ph, pw, 0, 0));
    const fs = stridesOf(full.info.shape);
    const plan = gatherPlan([...c.inShape], fs);
    const out = backend.output([...c.inShape], 'float32');
    backend.device.gather(full.ptr, out.ptr, 4, plan.dims, plan.dims, plan.strides, c.padInfo.top * fs[1] + c.padInfo.left * fs[2]);
    backend.disposeIntermediateTensorInfo(full.info);
    return out.info;
  }),

  kernel('Conv2DBackpropFilter', cpu, (args) => {
    const { x, dy } = args.inputs;
    const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!covered(x, dy, a.dataFormat)) return undefined;
    const c = backend_util.computeConv2DInfo(x.shape as Shape4, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (!consistent(c)) return undefined;
    const out = args.backend.output([...c.filterShape], 'float32');
    withCudnnPads(args, x, c, (xPtr, g) => args.backend.device.conv2dBackpropFilter(xPtr, args.backend.ptr(dy), out.ptr, g));
    return out.info;
  }),
];
