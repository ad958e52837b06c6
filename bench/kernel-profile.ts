/** Kernel time of one call of `step` by kernel name, slowest first (tf.profile, without its per-kernel NaN check). */
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  readonly name: string;
  ms: number;
  calls: number;
}

export async function kernelProfile(step: () => unknown): Promise<KernelTime[]> {
  // The NaN check tf.profile does per kernel is not part of training; leave it out of the timings.
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const p = await tf.profile(async () => {
    await step();
  });
  const byName = new Map<string, KernelTime>();
  for (const k of p.kernels) {
    const e = byName.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
    byName.set(k.name, e);
  }
  return [...byName.values()].sort((a, b) => b.ms - a.ms);
}
