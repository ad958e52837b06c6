import type { ImageSet } from './image-set.ts';
import { selectRows } from './store/record-table.ts';
import type { SampleMeta } from './types.ts';

/**
 * The samples of a set that `keep` accepts, in their order: a selection of rows of the record
 * table (the pixels stay where they are).
 * @example
 *   const firstFive = selectSamples(set, (_, i) => i < 5);
 */
export function selectSamples(set: ImageSet, keep: (sample: SampleMeta, index: number) => boolean): ImageSet {
  const indices = set.samples.flatMap((sample, i) => (keep(sample, i) ? [i] : []));
  return { ...set, samples: indices.map((i) => set.samples[i]!), table: selectRows(set.table, indices) };
}
