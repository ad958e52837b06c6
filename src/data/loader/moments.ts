/**
 * Mean and population standard deviation of a set's preprocessed values over some of its records.
 * Every record's own per-channel count, sum and M2 (squared deviations from its own mean) come from
 * the record table when ingest stored them and no step comes before the z-score, else from ONE
 * streaming pass in which workers read each record once. They are merged with the
 * parallel-variance identity: the mean is the sum of the sums over the count (exact for integer
 * pixels) and M2 = Σ M2ᵢ + Σ nᵢ (meanᵢ − mean)², exact in exact arithmetic and more accurate in
 * floating point than one long running sum of squared deviations.
 */
import type { ImageShape } from '../../io/types.ts';
import type { PreprocessStep } from '../preprocessing.ts';
import type { RecordTable } from '../store/record-table.ts';
import { footerMoments } from '../store/footer-moments.ts';
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

/** Per-channel [n, sum, M2] triples of one item → one [n, sum, M2] over all its channels. */
function acrossChannels(part: Float64Array, at: number, channels: number): [number, number, number] {
  let n = 0;
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    n += part[at + c * 3]!;
    sum += part[at + c * 3 + 1]!;
  }
  const mean = sum / n;
  let m2 = 0;
  for (let c = 0; c < channels; c++) {
    const nc = part[at + c * 3]!;
    if (nc > 0) m2 += part[at + c * 3 + 2]! + nc * (part[at + c * 3 + 1]! / nc - mean) ** 2;
  }
  return [n, sum, m2];
}

/**
 * Merges items' per-channel [n, sum, M2] (each part: items × channels × 3) into mean and std, per
 * channel or over all values.
 */
export function mergeMoments(parts: readonly Float64Array[], channels: number, perChannel: boolean): { mean: number[]; std: number[] } {
  const groups = perChannel ? channels : 1;
  const triples = (visit: (g: number, n: number, sum: number, m2: number) => void) => {
    for (const part of parts) {
      for (let at = 0; at < part.length; at += channels * 3) {
        if (perChannel) for (let c = 0; c < channels; c++) visit(c, part[at + c * 3]!, part[at + c * 3 + 1]!, part[at + c * 3 + 2]!);
        else visit(0, ...(channels === 1 ? ([part[at]!, part[at + 1]!, part[at + 2]!] as const) : acrossChannels(part, at, channels)));
      }
    }
  };
  const n = new Float64Array(groups);
  const sum = new Float64Array(groups);
  triples((g, count, s) => {
    n[g] += count;
    sum[g] += s;
  });
  const mean = Array.from(sum, (s, g) => s / Math.max(n[g]!, 1));
  const m2 = new Float64Array(groups);
  triples((g, count, s, m) => {
    if (count > 0) m2[g] += m + count * (s / count - mean[g]!) ** 2;
  });
  return { mean, std: Array.from(m2, (m, g) => Math.sqrt(m / Math.max(n[g]!, 1)) || 1) };
}

/**
 * `mean` and `std` (a std of 0 becomes 1, as the z-score needs) over rows `indices` of `table`.
 * @example
 *   const { mean, std } = await streamMoments(train.table, inOrder(n), { objectsDir, recordShape, steps, perChannel: false });
 */
export async function streamMoments(table: RecordTable, indices: ArrayLike<number>, options: MomentsOptions): Promise<{ mean: number[]; std: number[] }> {
  const shape = shapeAfter(options.recordShape, options.steps);
  const channels = shape[2];
  const plain = !options.steps.some((s) => s.step === 'normalize');
  const stored = plain ? (table.moments ?? footerMoments(table, options.objectsDir, channels)) : undefined;
  if (stored) {
    // Ingest's per-record numbers are those of the values the loader would deliver: no pixel pass.
    const part = new Float64Array(indices.length * channels * 3);
    for (let i = 0; i < indices.length; i++) part.set(stored.subarray(indices[i]! * channels * 3, (indices[i]! + 1) * channels * 3), i * channels * 3);
    return mergeMoments([part], channels, options.perChannel);
  }
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
    const pending = pool.run('moments', { objectsDir: options.objectsDir, recordShape: options.recordShape, shape, steps: options.steps, records: rows.map((r) => batchRecord(table, r)) });
    pending.catch(() => undefined);
    queue.push(pending);
  };
  while (next < indices.length || queue.length > 0) {
    while (next < indices.length && queue.length < depth) issue();
    options.signal?.throwIfAborted();
    parts.push(await queue.shift()!);
  }
  return mergeMoments(parts, channels, options.perChannel);
}
