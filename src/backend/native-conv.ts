/**
 * Conv2D, its two gradients and FusedConv2D on oneDNN. tfjs' CPU FusedConv2D calls its own JS convolution
 * directly, so it is overridden as well, with bias and activation fused into the oneDNN primitive.
 */
import { backend_util } from '@tensorflow/tfjs';
import type {
  Conv2DAttrs, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, FusedConv2DAttrs,
} from '@tensorflow/tfjs';
import { ACT, BINARY } from './native-addon.ts';
import { alloc, f32, kernel, output, size, type KernelGroup } from './native-kernel.ts';

type ConvInfo = backend_util.Conv2DInfo;

/** The geometry array native/src/conv.cc reads. */
export function convGeom(c: ConvInfo): number[] {
  return [
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outChannels,
    c.outHeight, c.outWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth,
    c.padInfo.top, c.padInfo.left, c.padInfo.bottom, c.padInfo.right,
  ];
}

/**
 * Whether oneDNN can reproduce tfjs' output size. It derives the size from the pads with a floor division and
 * takes no negative pads, which covers every size tfjs computes except the odd one from a numeric `pad` with
 * unequal strides or filter sides (tfjs then sizes the width with the height's stride); those go to the CPU.
 */
export function oneDnnCanRun(c: ConvInfo): boolean {
  const bottom = (c.outHeight - 1) * c.strideHeight + c.effectiveFilterHeight - c.inHeight - c.padInfo.top;
  const right = (c.outWidth - 1) * c.strideWidth + c.effectiveFilterWidth - c.inWidth - c.padInfo.left;
  return bottom > -c.strideHeight && right > -c.strideWidth && c.outHeight > 0 && c.outWidth > 0 && c.batchSize > 0;
}

const NATIVE_ACTIVATIONS: Readonly<Record<string, number>> = {
  linear: ACT.linear, relu: ACT.relu, relu6: ACT.relu6, sigmoid: ACT.sigmoid, elu: ACT.elu, leakyrelu: ACT.leakyrelu,
};

export const convKernels: KernelGroup = (addon, cpu) => [
  kernel('Conv2D', (args) => {
    const { x, filter } = args.inputs;
    const a = args.attrs as unknown as Conv2DAttrs;
    const xv = f32(args.backend, x), wv = f32(args.backend, filter);
    if (!xv || !wv || a.dataFormat === 'NCHW') return cpu('Conv2D')(args);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      a.strides, a.dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (!oneDnnCanRun(info)) return cpu('Conv2D')(args);
    const out = alloc(args.backend, size(info.outShape));
    addon.conv2d(xv, wv, out, convGeom(info), null, ACT.linear, 0);
    return output(args.backend, info.outShape, out);
  }),

  kernel('Conv2DBackpropInput', (args) => {
    const { dy, filter } = args.inputs;
    const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const dyv = f32(args.backend, dy), wv = f32(args.backend, filter);
    if (!dyv || !wv || a.dataFormat === 'NCHW') return cpu('Conv2DBackpropInput')(args);
    const info = backend_util.computeConv2DInfo(
      a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode,
      false, 'channelsLast');
    if (!oneDnnCanRun(info)) return cpu('Conv2DBackpropInput')(args);
    const out = alloc(args.backend, size(info.inShape));
    addon.conv2dBackpropInput(dyv, wv, out, convGeom(info));
    return output(args.backend, [...info.inShape], out);
  }),

  kernel('Conv2DBackpropFilter', (args) => {
    const { x, dy } = args.inputs;
    const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const xv = f32(args.backend, x), dyv = f32(args.backend, dy);
    if (!xv || !dyv || a.dataFormat === 'NCHW') return cpu('Conv2DBackpropFilter')(args);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false,
      'channelsLast');
    if (!oneDnnCanRun(info)) return cpu('Conv2DBackpropFilter')(args);
    const out = alloc(args.backend, size(info.filterShape));
    addon.conv2dBackpropFilter(xv, dyv, out, convGeom(info));
    return output(args.backend, [...info.filterShape], out);
  }),

  kernel('FusedConv2D', (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const a = args.attrs as unknown as FusedConv2DAttrs;
    const xv = f32(args.backend, x), wv = f32(args.backend, filter);
    const act = NATIVE_ACTIVATIONS[a.activation];
    const bv = bias == null ? null : f32(args.backend, bias);
    if (!xv || !wv || a.dataFormat === 'NCHW' || act === undefined || preluActivationWeights != null ||
        bv === undefined) {
      return cpu('FusedConv2D')(args);
    }
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      a.strides, a.dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (!oneDnnCanRun(info)) return cpu('FusedConv2D')(args);
    const out = alloc(args.backend, size(info.outShape));
    const geom = convGeom(info);
    if (bv === null || bv.length === info.outChannels || bv.length === 1) {
      // Per-channel (or scalar) bias and the activation run inside the oneDNN primitive.
      const perChannel = bv !== null && bv.length === 1 ? alloc(args.backend, info.outChannels).fill(bv[0]) : bv;
      addon.conv2d(xv, wv, out, geom, perChannel, act, a.leakyreluAlpha ?? 0.2);
      return output(args.backend, info.outShape, out);
    }
    // Any other broadcastable bias: convolve, then add with broadcasting, then activate, all native.
    addon.conv2d(xv, wv, out, geom, null, ACT.linear, 0);
    const biased = alloc(args.backend, out.length);
    addon.binary(BINARY.Add, out, info.outShape, bv, bias!.shape, biased, info.outShape);
    addon.activate(biased, act, a.leakyreluAlpha ?? 0.2);
    return output(args.backend, info.outShape, biased);
  }),
];
