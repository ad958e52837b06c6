/**
 * Sum, Mean, Max, Min and Prod on the GPU. The reduced axes, once transposed to be one contiguous run
 * (tfjs' CPU kernel does the same), make x an [outer, r, inner] block whose middle axis is reduced. Reducing
 * leading axes (bias gradients, batch-norm statistics) needs no transpose: the kernel reads columns.
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { REDUCE } from './device.ts';
import { gatherPlan, kernel, sizeOf, stridesOf, type CudaArgs, type CudaKernelGroup } from './kernel.ts';

const SMALL = 16;

export function reduceOp(args: CudaArgs, op: number, x: TensorInfo, axis: number | number[], keepDims: boolean): TensorInfo | undefined {
  if (x.dtype !== 'float32') return undefined;
  const { backend } = args;
  const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const kept = x.shape.filter((_, d) => !axes.includes(d));
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
  const r = axes.reduce((acc, d) => acc * x.shape[d], 1);
  const contiguous = axes.every((d, i) => i === 0 || d === axes[i - 1] + 1);
  let input = x;
  let outer: number, inner: number;
  if (axes.length === 0 || contiguous) {
    const first = axes.length > 0 ? axes[0] : x.shape.length;
    outer = sizeOf(x.shape.slice(0, first));
    inner = sizeOf(x.shape.slice(first + axes.length));
  } else {
    const perm = backend_util.getAxesPermutation(axes, x.shape.length)!;
    const xs = stridesOf(x.shape);
    const tShape = perm.map((p) => x.shape[p]);
    const plan = gatherPlan(tShape, perm.map((p) => xs[p]));
    if (plan.dims.length > 8) return undefined;
    const t = backend.output(tShape, 'float32');
    backend.device.gather(backend.ptr(x), t.ptr, 4, plan.dims, plan.dims, plan.strides, 0);
    input = t.info;
    outer = sizeOf(kept);
    inner = 1;
  }
  const out = backend.output(outShape, 'float32');
  backend.device.reduce(op, backend.ptr(input), out.ptr, outer, r, inner);
  if (input !== x) backend.disposeIntermediateTensorInfo(input);
  return out.info;
}

export const reduceKernels: CudaKernelGroup = (cpu) => [
  ...(['Sum', 'Mean', 'Min', 'Prod'] as const).map((name) => kernel(name, cpu, (args) => {
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    return reduceOp(args, REDUCE[name], args.inputs.x, axis, keepDims);
  }, SMALL)),
  kernel('Max', cpu, (args) => {
    const { reductionIndices, keepDims } = args.attrs as { reductionIndices: number | number[]; keepDims: boolean };
    return reduceOp(args, REDUCE.Max, args.inputs.x, reductionIndices, keepDims);
  }, SMALL),
];
