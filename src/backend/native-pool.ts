/** MaxPool and MaxPoolGrad over NHWC (dilation 1, as tfjs' MaxPool kernel always is). */
import { backend_util } from '@tensorflow/tfjs';
import type { MaxPoolAttrs, MaxPoolGradAttrs } from '@tensorflow/tfjs';
import { alloc, f32, kernel, output, size, type KernelGroup } from './native-kernel.ts';

function poolGeom(c: backend_util.Conv2DInfo): number[] {
  return [c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outHeight, c.outWidth,
    c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left];
}

export const poolKernels: KernelGroup = (addon, cpu) => [
  kernel('MaxPool', (args) => {
    const { x } = args.inputs;
    const a = args.attrs as unknown as MaxPoolAttrs;
    const xv = f32(args.backend, x);
    if (!xv) return cpu('MaxPool')(args);
    const info = backend_util.computePool2DInfo(
      x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const out = alloc(args.backend, size(info.outShape));
    if (out.length > 0) addon.maxPool(xv, out, poolGeom(info));
    return output(args.backend, info.outShape, out);
  }),

  kernel('MaxPoolGrad', (args) => {
    const { dy, input } = args.inputs;
    const a = args.attrs as unknown as MaxPoolGradAttrs;
    const dyv = f32(args.backend, dy), xv = f32(args.backend, input);
    if (!dyv || !xv) return cpu('MaxPoolGrad')(args);
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const out = alloc(args.backend, xv.length);
    if (out.length > 0) addon.maxPoolGrad(dyv, xv, out, poolGeom(info));
    return output(args.backend, [...input.shape], out);
  }),
];
