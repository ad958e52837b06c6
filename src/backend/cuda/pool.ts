/** MaxPool, AvgPool and their gradients on the GPU (NHWC; padded cells take no part, as in tfjs' CPU kernels). */
import { backend_util } from '@tensorflow/tfjs';
import type { AvgPoolAttrs, AvgPoolGradAttrs, MaxPoolAttrs, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { kernel, type CudaKernelGroup } from './kernel.ts';

type Shape4 = [number, number, number, number];

function poolInfo(x: TensorInfo, a: MaxPoolAttrs | AvgPoolAttrs): backend_util.Conv2DInfo | undefined {
  if (x.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  return backend_util.computePool2DInfo(x.shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

/** The 14-number geometry native/cuda/src/device.h's PoolGeom reads. */
function geom(c: backend_util.Conv2DInfo): number[] {
  return [c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outHeight, c.outWidth,
    c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padInfo.top, c.padInfo.left];
}

export const poolKernels: CudaKernelGroup = (cpu) => [
  kernel('MaxPool', cpu, (args) => {
    const { x } = args.inputs;
    const c = poolInfo(x, args.attrs as unknown as MaxPoolAttrs);
    if (!c) return undefined;
    const out = args.backend.output([...c.outShape], 'float32');
    args.backend.device.maxPool(args.backend.ptr(x), out.ptr, geom(c));
    return out.info;
  }),

  kernel('MaxPoolGrad', cpu, (args) => {
    const { dy, input } = args.inputs;
    const c = poolInfo(input, args.attrs as unknown as MaxPoolGradAttrs);
    if (!c || dy.dtype !== 'float32') return undefined;
    const out = args.backend.output([...input.shape], 'float32');
    args.backend.device.maxPoolGrad(args.backend.ptr(dy), args.backend.ptr(input), out.ptr, geom(c));
    return out.info;
  }),

  kernel('AvgPool', cpu, (args) => {
    const { x } = args.inputs;
    const c = poolInfo(x, args.attrs as unknown as AvgPoolAttrs);
    if (!c) return undefined;
    const out = args.backend.output([...c.outShape], 'float32');
    args.backend.device.avgPool(args.backend.ptr(x), out.ptr, geom(c));
    return out.info;
  }),

  kernel('AvgPoolGrad', cpu, (args) => {
    const { dy, input } = args.inputs;
    const c = poolInfo(input, args.attrs as unknown as AvgPoolGradAttrs);
    if (!c || dy.dtype !== 'float32') return undefined;
    const out = args.backend.output([...input.shape], 'float32');
    args.backend.device.avgPoolGrad(args.backend.ptr(dy), out.ptr, geom(c));
    return out.info;
  }),
];
