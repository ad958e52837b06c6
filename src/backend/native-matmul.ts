/** BatchMatMul and _FusedMatMul (Dense layers and their gradients) on sgemm, bias and activation fused. */
import { broadcast_util } from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, TensorInfo, _FusedMatMulAttrs } from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ACT, BINARY, type NativeAddon } from './native-addon.ts';
import { alloc, f32, kernel, output, size, type KernelGroup } from './native-kernel.ts';

const NATIVE_ACTIVATIONS: Readonly<Record<string, number>> = {
  linear: ACT.linear, relu: ACT.relu, relu6: ACT.relu6, sigmoid: ACT.sigmoid, elu: ACT.elu, leakyrelu: ACT.leakyrelu,
};

interface Plan {
  readonly outShape: number[];
  readonly batchA: number;
  readonly batchB: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** Same shape rules as tfjs' CPU BatchMatMul (batch i uses a[i % batchA] and b[i % batchB]). */
function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Plan | undefined {
  const ra = a.shape.length, rb = b.shape.length;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  if (k !== kb) return undefined; // let the CPU kernel raise its own error message
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { outShape: [...outer, m, n], batchA: size(a.shape.slice(0, -2)), batchB: size(b.shape.slice(0, -2)), m, n, k };
}

function run(addon: NativeAddon, backend: MathBackendCPU, av: Float32Array, bv: Float32Array, p: Plan,
  ta: boolean, tb: boolean, bias: Float32Array | null, act: number, alpha: number): TensorInfo {
  const out = alloc(backend, size(p.outShape));
  if (out.length > 0) addon.matmul(av, bv, out, p.batchA, p.batchB, p.m, p.n, p.k, ta, tb, bias, act, alpha);
  return output(backend, p.outShape, out);
}

export const matmulKernels: KernelGroup = (addon, cpu) => [
  kernel('BatchMatMul', (args) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const av = f32(args.backend, a), bv = f32(args.backend, b);
    const p = av && bv ? plan(a, b, transposeA, transposeB) : undefined;
    if (!av || !bv || !p) return cpu('BatchMatMul')(args);
    return run(addon, args.backend, av, bv, p, transposeA, transposeB, null, ACT.linear, 0);
  }),

  kernel('_FusedMatMul', (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as _FusedMatMulAttrs;
    const av = f32(args.backend, a), bv = f32(args.backend, b);
    const biasv = bias == null ? null : f32(args.backend, bias);
    const act = NATIVE_ACTIVATIONS[activation];
    const p = av && bv ? plan(a, b, transposeA, transposeB) : undefined;
    if (!av || !bv || !p || act === undefined || preluActivationWeights != null || biasv === undefined) {
      return cpu('_FusedMatMul')(args);
    }
    const alpha = leakyreluAlpha ?? 0.2;
    const rowBias = biasv === null || biasv.length === p.n || biasv.length === 1;
    if (rowBias && (biasv === null || bias!.shape.length <= 1 || size(bias!.shape.slice(0, -1)) === 1)) {
      return run(addon, args.backend, av, bv, p, transposeA, transposeB, biasv, act, alpha);
    }
    // A bias that varies along rows or batches: multiply, then broadcast-add and activate natively.
    const product = run(addon, args.backend, av, bv, p, transposeA, transposeB, null, ACT.linear, 0);
    const pv = f32(args.backend, product)!;
    const outShape = broadcast_util.assertAndGetBroadcastShape(p.outShape, bias!.shape);
    const out = alloc(args.backend, size(outShape));
    addon.binary(BINARY.Add, pv, p.outShape, biasv!, bias!.shape, out, outShape);
    args.backend.disposeIntermediateTensorInfo(product);
    addon.activate(out, act, alpha);
    return output(args.backend, outShape, out);
  }),
];
