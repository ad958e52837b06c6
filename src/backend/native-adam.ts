/**
 * The fused Adam update (kernel 'MedpipeAdam', used by fused-adam.ts) for the native backend, as one
 * JavaScript loop over the float32 storage: tfjs' Adam runs about ten elementwise kernels per variable
 * and step (a U-Net's 46 variables: ~460 kernel calls, each allocating its output). Per element, in
 * float32 like tfjs and the cuda kernel:
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  value ← value − lr · (m / c1) / (√(v / c2) + ε)
 * with c1 = 1 − β1^t, c2 = 1 − β2^t.
 */
import { ADAM_KERNEL } from './fused-adam.ts';
import { alloc, f32, kernel, output, size, type KernelGroup } from './native-kernel.ts';

const fr = Math.fround;

export const adamKernels: KernelGroup = () => [
  kernel(ADAM_KERNEL, (args) => {
    const { value, m, v, grad } = args.inputs;
    const a = args.attrs as unknown as { learningRate: number; beta1: number; beta2: number; epsilon: number; correction1: number; correction2: number };
    const [x, m0, v0, g] = [value, m, v, grad].map((t) => f32(args.backend, t));
    const n = size(value.shape);
    if (!x || !m0 || !v0 || !g || [m0, v0, g].some((t) => t.length !== n) || x.length !== n) {
      throw new Error(`${ADAM_KERNEL} runs on float32 tensors of one shape only`);
    }
    const [b1, b2, c1, c2, eps, lr] = [a.beta1, a.beta2, a.correction1, a.correction2, a.epsilon, a.learningRate].map(fr) as [number, number, number, number, number, number];
    const [k1, k2] = [fr(1 - a.beta1), fr(1 - a.beta2)];
    const [xOut, mOut, vOut] = [alloc(args.backend, n), alloc(args.backend, n), alloc(args.backend, n)];
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const mi = fr(fr(m0[i]! * b1) + fr(gi * k1));
      const vi = fr(fr(v0[i]! * b2) + fr(fr(gi * gi) * k2));
      mOut[i] = mi;
      vOut[i] = vi;
      xOut[i] = fr(fr(fr(fr(mi / c1) / fr(fr(Math.sqrt(fr(vi / c2))) + eps)) * -lr) + x[i]!);
    }
    const shape = [...value.shape];
    return [output(args.backend, shape, xOut), output(args.backend, shape, mOut), output(args.backend, shape, vOut)];
  }),
];
