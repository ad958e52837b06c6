/**
 * FusedBatchNorm and the fused Adam update on the GPU. Adam's kernel ('MedpipeAdam', three outputs:
 * value, first and second moment) replaces the dozen elementwise kernels tfjs runs per variable and step;
 * src/backend/fused-adam.ts uses it wherever the active backend registers it.
 */
import type { FusedBatchNormAttrs, TensorInfo } from '@tensorflow/tfjs';
import { ADAM_KERNEL } from '../fused-adam.ts';
import { kernel, sizeOf, type CudaKernelGroup } from './kernel.ts';


export interface AdamAttrs {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 1 − beta1^t and 1 − beta2^t: the bias corrections of this step. */
  readonly correction1: number;
  readonly correction2: number;
}

const f32 = (t: TensorInfo | null | undefined): boolean => t == null || t.dtype === 'float32';

export const normKernels: CudaKernelGroup = (cpu) => [
  kernel('FusedBatchNorm', cpu, (args) => {
    const { x, mean, variance, offset, scale } = args.inputs;
    const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
    if (![x, mean, variance, offset, scale].every(f32)) return undefined;
    const n = sizeOf(x.shape);
    const lens = [mean, variance, offset, scale].map((t) => (t == null ? 1 : sizeOf(t.shape)));
    if (lens.some((l) => l === 0)) return undefined;
    const { backend } = args;
    const ptr = (t: TensorInfo | null | undefined): number => (t == null ? 0 : backend.ptr(t));
    const out = backend.output([...x.shape], 'float32');
    backend.device.batchNorm(ptr(x), ptr(mean), lens[0], ptr(variance), lens[1], ptr(offset), lens[2], ptr(scale), lens[3],
      out.ptr, n, varianceEpsilon);
    return out.info;
  }),
];

/** The fused Adam kernel; `cpu` has no counterpart, so this kernel exists on the cuda backend only. */
export const adamKernels: CudaKernelGroup = () => [
  kernel(ADAM_KERNEL, () => () => {
    throw new Error(`${ADAM_KERNEL} runs on float32 tensors of one shape only`);
  }, (args) => {
    const { value, m, v, grad } = args.inputs;
    const a = args.attrs as unknown as AdamAttrs;
    const n = sizeOf(value.shape);
    if (![value, m, v, grad].every((t) => t.dtype === 'float32' && sizeOf(t.shape) === n)) return undefined;
    const { backend } = args;
    const outs = [0, 1, 2].map(() => backend.output([...value.shape], 'float32'));
    backend.device.adam(backend.ptr(value), backend.ptr(m), backend.ptr(v), backend.ptr(grad), outs[0].ptr, outs[1].ptr,
      outs[2].ptr, n, a.learningRate, a.beta1, a.beta2, a.epsilon, a.correction1, a.correction2);
    return outs.map((o) => o.info);
  }),
];
