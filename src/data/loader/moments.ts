/**
 * Mean and population standard deviation of a set's preprocessed values over some of its records,
 * in ONE streaming pass: workers read each record once and return its count, sum and M2 (squared
 * deviations from its own mean), per channel when asked. The mean is the sum of the sums over the
 * count (exact for integer pixels), and M2 = Σ M2ᵢ + Σ nᵢ (meanᵢ − mean)² (the parallel-variance
 * identity), which is exact in exact arithmetic and more accurate in floating point than one long
 * running sum of squared deviations.
 */
import type { ImageShape } from '../../io/types.ts';
import type { PreprocessStep } from '../preprocessing.ts';
import type { RecordTable } from '../store/record-table.ts';
import { shapeAfter } from '../transform.ts';
import { inlinePool, sharedPool, type TaskPool } from '../workers/pool.ts';
import { batchRecord } from './image-source.ts';

export interface MomentsOptions {
  readonly objectsDir: string;
  readonly recordShape: ImageShape;
  readonly steps: readonly PreprocessStep[];
  readonly perChannel: boolean;
  readonly pool?: TaskPool;
  readonly signal?: AbortSignal;
}

/**
 * `mean` and `std` (a std of 0 becomes 1, as the z-score needs) over rows `indices` of `table`.
 * @example
 *   const { mean, std } = await streamMoments(train.table, inOrder(n), { objectsDir, recordShape, steps, perChannel: false });
 */
export async function streamMoments(table: RecordTable, indices: ArrayLike<number>, options: MomentsOptions): Promise<{ mean: number[]; std: number[] }> {
  const shape = shapeAfter(options.recordShape, options.steps);
  const groups = options.perChannel ? shape[2] : 1;
  const size = shape[0] * shape[1] * shape[2];
  const chunk = Math.max(1, Math.min(256, Math.floor((1 << 22) / size)));
  const pool = options.pool ?? (size * chunk >= 1 << 17 ? sharedPool() : inlinePool);
  const depth = Math.max(2, 2 * pool.size);
  const parts: Float64Array[] = [];
  const queue: Promise<Float64Array>[] = [];
  let next = 0;
  const issue = () => {
    const rows = Array.from({ length: Math.min(chunk, indices.length - next) }, (_, i) => indices[next + i]!);
    next += rows.length;
    const request = { objectsDir: options.objectsDir, recordShape: options.recordShape, shape, steps: options.steps, records: rows.map((r) => batchRecord(table, r)) };
    const pending = pool.run('moments', { request, perChannel: options.perChannel });
    pending.catch(() => undefined);
    queue.push(pending);
  };
  while (next < indices.length || queue.length > 0) {
    while (next < indices.length && queue.length < depth) issue();
    options.signal?.throwIfAborted();
    parts.push(await queue.shift()!);
  }
  const n = new Float64Array(groups);
  const sum = new Float64Array(groups);
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 3) {
      const g = (i / 3) % groups;
      n[g] += part[i]!;
      sum[g] += part[i + 1]!;
    }
  }
  const mean = Array.from(sum, (s, g) => s / Math.max(n[g]!, 1));
  const m2 = new Float64Array(groups);
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 3) {
      const g = (i / 3) % groups;
      const count = part[i]!;
      if (count > 0) m2[g] += part[i + 2]! + count * (part[i + 1]! / count - mean[g]!) ** 2;
    }
  }
  const std = Array.from(m2, (m, g) => Math.sqrt(m / Math.max(n[g]!, 1)) || 1);
  return { mean, std };
}
