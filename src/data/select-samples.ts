import { sampleSize, type ImageSet } from './image-set.ts';
import type { SampleMeta } from './types.ts';

/**
 * The samples of a set that `keep` accepts, in their order, with their pixels and value ranges
 * (a copy; the set itself is unchanged).
 * @example
 *   const firstFive = selectSamples(set, (_, i) => i < 5);
 */
export function selectSamples(set: ImageSet, keep: (sample: SampleMeta, index: number) => boolean): ImageSet {
  const indices = set.samples.flatMap((sample, i) => (keep(sample, i) ? [i] : []));
  const size = sampleSize(set.shape);
  const pixels = new Float32Array(indices.length * size);
  const ranges = new Float32Array(indices.length * 2);
  indices.forEach((i, k) => {
    pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size);
    ranges.set(set.ranges.subarray(i * 2, i * 2 + 2), k * 2);
  });
  return { ...set, samples: indices.map((i) => set.samples[i]!), pixels, ranges };
}
