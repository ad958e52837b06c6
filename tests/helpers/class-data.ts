import type { FitData } from '../../src/train/fit.ts';
import { prng } from './prng.ts';

/** A small separable K-class set of 8x8 grey images: class c lights every pixel p with p % K = c, plus noise. */
export function classData(count: number, k: number, seed: number): FitData {
  const rand = prng(seed);
  const x = new Float32Array(count * 64);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = i % k;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = rand() * 0.2 + (p % k === y[i] ? 1 : 0);
  }
  return { x, y, count, shape: [8, 8, 1], task: 'multiclass', classes: k };
}
