/** Tile and GatherV2 (float32 data; int32 indices) as native copies. */
import { backend_util, util } from '@tensorflow/tfjs';
import type { GatherV2Attrs, TileAttrs } from '@tensorflow/tfjs';
import { alloc, f32, kernel, output, size, type KernelGroup } from './native-kernel.ts';

export const gatherKernels: KernelGroup = (addon, cpu) => [
  kernel('Tile', (args) => {
    const { x } = args.inputs;
    const { reps } = args.attrs as unknown as TileAttrs;
    const xv = f32(args.backend, x);
    if (!xv || x.shape.length === 0 || reps.length !== x.shape.length) return cpu('Tile')(args);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = alloc(args.backend, size(outShape));
    if (out.length > 0) addon.tile(xv, x.shape, reps, out);
    return output(args.backend, outShape, out);
  }),

  kernel('GatherV2', (args) => {
    const { x, indices } = args.inputs;
    const { axis, batchDims } = args.attrs as unknown as GatherV2Attrs;
    const xv = f32(args.backend, x);
    const iv = args.backend.data.get(indices.dataId)?.values;
    if (!xv || !(iv instanceof Int32Array)) return cpu('GatherV2')(args);
    const ax = util.parseAxisParam(axis, x.shape)[0];
    const dim = x.shape[ax];
    for (let i = 0; i < iv.length; ++i) {
      // Same check and message as tfjs' CPU kernel.
      util.assert(iv[i] <= dim - 1 && iv[i] >= 0, () => `GatherV2: the index value ${iv[i]} is not in [0, ${dim - 1}]`);
    }
    const info = backend_util.segment_util.collectGatherOpShapeInfo(
      x as never, indices as never, ax, batchDims ?? 0);
    const out = alloc(args.backend, size(info.outputShape));
    if (out.length > 0) addon.gather(xv, iv, info.batchSize, info.outerSize, info.dimSize, info.sliceSize, out);
    return output(args.backend, info.outputShape, out);
  }),
];
