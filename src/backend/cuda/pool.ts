/** MaxPool, AvgPool and their gradients on the GPU (NHWC; padded cells take no part, as in tfjs' CPU kernels). */
import { backend_util } from '@tensorflow/tfjs';
import type { AvgPoolAttrs, AvgPoolGradAttrs, MaxPoolAttrs, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { kernel, type CudaArgs, type CudaKernelGroup } from './kernel.ts';

type Shape4 = [number, number, number, number];

function poolInfo(x: TensorInfo, a: Pick<MaxPoolAttrs, 'filterSize' | 'strides' | 'pad'> & { readonly dimRoundingMode?: MaxPoolAttrs['dimRoundingMode'] }): backend_util.Conv2DInfo | undefined {
  if (x.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  return backend_util.computePool2DInfo(x.shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

/** The 14-number geometry native/cuda/src/device.h's PoolGeom reads. */
function geom(c: backend_util.Conv2DInfo): number[] {
  return [c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outHeight, c.outWidth,
    c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padInfo.top, c.padInfo.left];
}

type PoolAttrs = MaxPoolAttrs | AvgPoolAttrs | MaxPoolGradAttrs | AvgPoolGradAttrs;

/**
 * A pooling kernel or its gradient. `over` is the pooled input (x, or the gradient's `input`); the output has
 * the pooled shape, or the input's shape for a gradient (dy, when given, must be float32 too).
 */
function pool(
  args: CudaArgs,
  over: TensorInfo,
  dy: TensorInfo | undefined,
  launch: (out: number, geometry: number[]) => void,
): TensorInfo | undefined {
  const c = poolInfo(over, args.attrs as unknown as PoolAttrs);
  if (!c || (dy !== undefined && dy.dtype !== 'float32')) return undefined;
  const out = args.backend.output(dy === undefined ? [...c.outShape] : [...over.shape], 'float32');
  launch(out.ptr, geom(c));
  return out.info;
}

export const poolKernels: CudaKernelGroup = (cpu) => [
  kernel('MaxPool', cpu, (args) => pool(args, args.inputs.x, undefined, (out, g) => args.backend.device.maxPool(args.backend.ptr(args.inputs.x), out, g))),
  kernel('MaxPoolGrad', cpu, (args) => {
    const { dy, input } = args.inputs;
    return pool(args, input, dy, (out, g) => args.backend.device.maxPoolGrad(args.backend.ptr(dy), args.backend.ptr(input), out, g));
  }),
  kernel('AvgPool', cpu, (args) => pool(args, args.inputs.x, undefined, (out, g) => args.backend.device.avgPool(args.backend.ptr(args.inputs.x), out, g))),
  kernel('AvgPoolGrad', cpu, (args) => {
    const { dy, input } = args.inputs;
    return pool(args, input, dy, (out, g) => args.backend.device.avgPoolGrad(args.backend.ptr(dy), out, g));
  }),
];
