/**
 * BatchMatMul and _FusedMatMul (Dense layers and their gradients) on cuBLAS, in plain FP32 like PyTorch's
 * default. A batch of one on either side is broadcast (batch stride 0); other batch broadcasts run on the CPU.
 */
import { broadcast_util } from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs';
import { biasActivation, fusedActivationCovered } from './conv.ts';
import { kernel, sizeOf, type CudaArgs, type CudaKernelGroup } from './kernel.ts';

function matMul(args: CudaArgs, a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  if (k !== (transB ? b.shape[rb - 1] : b.shape[rb - 2])) return undefined; // the CPU kernel words the error
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = sizeOf(a.shape.slice(0, -2)), batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = args.backend.output([...outer, m, n], 'float32');
  const batch = Math.max(batchA, batchB);
  if (batch * m * n === 0) return out.info;
  if (k === 0) {
    args.backend.device.fill(out.ptr, 0, 0, batch * m * n);
    return out.info;
  }
  args.backend.device.matMul(args.backend.ptr(a), args.backend.ptr(b), out.ptr, batch, m, n, k, transA, transB,
    batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
  return out.info;
}

export const matmulKernels: CudaKernelGroup = (cpu) => [
  kernel('BatchMatMul', cpu, (args) => {
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    return matMul(args, args.inputs.a, args.inputs.b, transposeA, transposeB);
  }),

  kernel('_FusedMatMul', cpu, (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as _FusedMatMulAttrs;
    if ((bias != null && bias.dtype !== 'float32') || !fusedActivationCovered(activation, preluActivationWeights)) return undefined;
    const y = matMul(args, a, b, transposeA, transposeB);
    return y === undefined ? undefined : biasActivation(args, y, bias, preluActivationWeights, activation, leakyreluAlpha);
  }),
];
