/**
 * Elementwise kernels: binary arithmetic with broadcasting (Add, Sub, Multiply, RealDiv, ...), unary maps
 * (Relu, Step, Sigmoid, Square, Sqrt, ...) and FusedBatchNorm. Float32 only; other dtypes go to the CPU kernel.
 */
import { broadcast_util } from '@tensorflow/tfjs';
import type { FusedBatchNormAttrs, LeakyReluAttrs, StepAttrs } from '@tensorflow/tfjs';
import { BINARY, UNARY } from './native-addon.ts';
import { alloc, f32, kernel, output, size, type KernelGroup, type NativeKernel } from './native-kernel.ts';

export const elementwiseKernels: KernelGroup = (addon, cpu) => {
  const binary = (Object.keys(BINARY) as (keyof typeof BINARY)[]).map((name): NativeKernel =>
    kernel(name, (args) => {
      const { a, b } = args.inputs;
      const av = f32(args.backend, a), bv = f32(args.backend, b);
      if (!av || !bv) return cpu(name)(args);
      const outShape = broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = alloc(args.backend, size(outShape));
      if (out.length > 0) addon.binary(BINARY[name], av, a.shape, bv, b.shape, out, outShape);
      return output(args.backend, outShape, out);
    }));

  const unary = (Object.keys(UNARY) as (keyof typeof UNARY)[]).map((name): NativeKernel =>
    kernel(name, (args) => {
      const { x } = args.inputs;
      const xv = f32(args.backend, x);
      if (!xv) return cpu(name)(args);
      // Step's alpha is the value for x <= 0; LeakyRelu's is the negative slope.
      const alpha = name === 'Step' ? (args.attrs as unknown as StepAttrs).alpha
        : name === 'LeakyRelu' ? (args.attrs as unknown as LeakyReluAttrs).alpha : 0;
      const out = alloc(args.backend, xv.length);
      if (out.length > 0) addon.unary(UNARY[name], xv, out, alpha);
      return output(args.backend, [...x.shape], out);
    }));

  const batchNorm = kernel('FusedBatchNorm', (args) => {
    const { x, mean, variance, offset, scale } = args.inputs;
    const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
    const xv = f32(args.backend, x), mv = f32(args.backend, mean), vv = f32(args.backend, variance);
    const ov = offset == null ? null : f32(args.backend, offset);
    const sv = scale == null ? null : f32(args.backend, scale);
    if (!xv || !mv || !vv || ov === undefined || sv === undefined) return cpu('FusedBatchNorm')(args);
    // tfjs indexes each parameter modulo its own length; the native loop covers lengths 1 and L (L | size).
    const lengths = [mv.length, vv.length, ov?.length ?? 1, sv?.length ?? 1];
    const l = Math.max(...lengths);
    if (xv.length === 0 || xv.length % l !== 0 || lengths.some((n) => n !== 1 && n !== l)) {
      return cpu('FusedBatchNorm')(args);
    }
    const out = alloc(args.backend, xv.length);
    addon.batchNorm(xv, mv, vv, ov, sv, varianceEpsilon ?? 0.001, out);
    return output(args.backend, [...x.shape], out);
  });

  return [...binary, ...unary, batchNorm];
};
