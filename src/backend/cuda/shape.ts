/**
 * Data-movement kernels on the GPU as strided copies: Transpose, Slice and Tile read x with per-dim strides
 * (and a modulus, for Tile); Concat and PadV2 write each input into its place in the output.
 * Reshape and Identity stay tfjs' CPU kernels: they share the input's data and touch no values.
 */
import { backend_util, slice_util } from '@tensorflow/tfjs';
import type { ConcatAttrs, PadV2Attrs, SliceAttrs, TensorInfo, TileAttrs, TransposeAttrs } from '@tensorflow/tfjs';
import { DTYPE } from './device.ts';
import { elemBytes, gatherPlan, kernel, sizeOf, stridesOf, type CudaArgs, type CudaKernelGroup } from './kernel.ts';

type Held = keyof typeof DTYPE;

function held(t: TensorInfo): t is TensorInfo & { dtype: Held } {
  return t.dtype in DTYPE;
}

/** out = x read at `strides` (per output dim) from `offset`. */
function strided(args: CudaArgs, x: TensorInfo & { dtype: Held }, outShape: number[], strides: number[], offset: number): TensorInfo | undefined {
  const plan = gatherPlan(outShape, strides);
  if (plan.dims.length > 8) return undefined;
  const out = args.backend.output(outShape, x.dtype);
  if (sizeOf(outShape) > 0) {
    args.backend.device.gather(args.backend.ptr(x), out.ptr, elemBytes(x.dtype), plan.dims, plan.dims, plan.strides, offset);
  }
  return out.info;
}

export const shapeKernels: CudaKernelGroup = (cpu) => [
  kernel('Transpose', cpu, (args) => {
    const { x } = args.inputs;
    const { perm } = args.attrs as unknown as TransposeAttrs;
    if (!held(x)) return undefined;
    const xs = stridesOf(x.shape);
    return strided(args, x, perm.map((p) => x.shape[p]), perm.map((p) => xs[p]), 0);
  }),

  kernel('Slice', cpu, (args) => {
    const { x } = args.inputs;
    const a = args.attrs as unknown as SliceAttrs;
    if (!held(x)) return undefined;
    const [begin, size] = slice_util.parseSliceParams(x as never, a.begin, a.size);
    const xs = stridesOf(x.shape);
    return strided(args, x, size, xs, begin.reduce((acc, b, d) => acc + b * xs[d], 0));
  }),

  kernel('Tile', cpu, (args) => {
    const { x } = args.inputs;
    const { reps } = args.attrs as unknown as TileAttrs;
    if (!held(x) || x.shape.length > 8 || reps.length !== x.shape.length) return undefined;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = args.backend.output(outShape, x.dtype);
    if (sizeOf(outShape) > 0) {
      args.backend.device.gather(args.backend.ptr(x), out.ptr, elemBytes(x.dtype), outShape, [...x.shape], stridesOf(x.shape), 0);
    }
    return out.info;
  }),

  kernel('Concat', cpu, (args) => {
    const tensors = Object.values(args.inputs);
    const { axis } = args.attrs as unknown as ConcatAttrs;
    if (tensors.length === 0 || !tensors.every(held) || tensors.some((t) => t.dtype !== tensors[0].dtype)) return undefined;
    const $axis = axis < 0 ? axis + tensors[0].shape.length : axis;
    const outShape = backend_util.computeOutShape(tensors.map((t) => t.shape), $axis);
    const ys = stridesOf(outShape);
    const out = args.backend.output(outShape, tensors[0].dtype as Held);
    let at = 0;
    for (const t of tensors) {
      if (sizeOf(t.shape) > 0) {
        const plan = gatherPlan(t.shape, ys);
        if (plan.dims.length > 8) {
          args.backend.disposeIntermediateTensorInfo(out.info);
          return undefined;
        }
        args.backend.device.place(args.backend.ptr(t), out.ptr, elemBytes(t.dtype), plan.dims, plan.strides, at * ys[$axis]);
      }
      at += t.shape[$axis];
    }
    return out.info;
  }),

  kernel('PadV2', cpu, (args) => {
    const { x } = args.inputs;
    const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
    if (!held(x)) return undefined;
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const ys = stridesOf(outShape);
    const plan = gatherPlan(x.shape, ys);
    if (plan.dims.length > 8) return undefined;
    const out = args.backend.output(outShape, x.dtype);
    args.backend.device.fill(out.ptr, DTYPE[x.dtype], constantValue, sizeOf(outShape));
    if (sizeOf(x.shape) > 0) {
      const offset = paddings.reduce((acc, [before], d) => acc + before * ys[d], 0);
      args.backend.device.place(args.backend.ptr(x), out.ptr, elemBytes(x.dtype), plan.dims, plan.strides, offset);
    }
    return out.info;
  }),
];
