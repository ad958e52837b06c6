/** Sum, Mean, Max and Min over one contiguous run of axes (bias gradients, batch-norm moments, loss means). */
import { util } from '@tensorflow/tfjs';
import type { SumAttrs } from '@tensorflow/tfjs';
import { REDUCE } from './native-addon.ts';
import { alloc, f32, kernel, output, size, type KernelGroup } from './native-kernel.ts';

export const reduceKernels: KernelGroup = (addon, cpu) =>
  (Object.keys(REDUCE) as (keyof typeof REDUCE)[]).map((name) =>
    kernel(name, (args) => {
      const { x } = args.inputs;
      // Max and Min name their axes `reductionIndices`, Sum and Mean `axis`.
      const attrs = args.attrs as unknown as SumAttrs & { reductionIndices?: number | number[] };
      const axis = attrs.axis ?? attrs.reductionIndices;
      const keepDims = attrs.keepDims;
      const xv = f32(args.backend, x);
      if (!xv || xv.length === 0) return cpu(name)(args);
      const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
      // Size-1 axes do not change the memory order, so they may sit anywhere inside the reduced run.
      const real = axes.filter((ax) => x.shape[ax] !== 1);
      const first = real[0] ?? axes[0], last = real[real.length - 1] ?? axes[0];
      const contiguous = real.every((ax, i) => i === 0 || ax === real[i - 1] + 1 ||
        x.shape.slice(real[i - 1] + 1, ax).every((d) => d === 1));
      if (axes.length === 0 || !contiguous) return cpu(name)(args);
      const outer = size(x.shape.slice(0, first)), r = size(x.shape.slice(first, last + 1));
      const inner = size(x.shape.slice(last + 1));
      const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      const out = alloc(args.backend, outer * inner);
      addon.reduce(REDUCE[name], xv, outer, r, inner, out);
      return output(args.backend, outShape, out);
    }));
