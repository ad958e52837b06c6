/**
 * Every image of a (small) set or subset in one float32 array, preprocessed as the loader
 * delivers them: for inspection, tests and small in-memory work — never for a large data set.
 * @example
 *   const pixels = await readAllPixels(splits, splits.test.table);
 */
import type { ImageSet } from '../image-set.ts';
import type { RecordTable } from '../store/record-table.ts';
import { inOrder, storeSource } from './image-source.ts';

export async function readAllPixels(set: Pick<ImageSet, 'objectsDir' | 'recordShape' | 'preprocessing'>, table: RecordTable): Promise<Float32Array> {
  const source = storeSource(table, { objectsDir: set.objectsDir, recordShape: set.recordShape, steps: set.preprocessing });
  const size = source.shape[0] * source.shape[1] * source.shape[2];
  const out = new Float32Array(source.count * size);
  let at = 0;
  for await (const batch of source.batches(inOrder(source.count), 256, undefined, { reuse: true })) {
    out.set(batch, at);
    at += batch.length;
  }
  return out;
}
