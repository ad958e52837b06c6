import type { SplitSet } from './image-set.ts';
import { contentIds } from './store/content-ids.ts';
import { concatTables } from './store/record-table.ts';

/** Test images whose pixels are exactly those of an image the model learned from or was selected on. */
export interface TestLeakage {
  /** Test images identical to a training image. */
  readonly alsoInTrain: number;
  /** Test images identical to a validation image (and to no training image). */
  readonly alsoInValidation: number;
  /** Up to 10 of their sample ids. */
  readonly examples: readonly string[];
}

/**
 * Counts test images that repeat a training or validation image pixel for pixel (the same stored
 * record: decoded and resized alike; the preprocessing steps are the same for every split): their
 * scores are not an honest test of generalisation, and a reader of the test metrics should know how
 * many there are.
 * @example
 *   testLeakage(splits); // { alsoInTrain: 40, alsoInValidation: 7, examples: ['Testing/glioma/Te-gl_0012.jpg', …] }
 */
export function testLeakage(data: SplitSet): TestLeakage {
  const nTrain = data.train.samples.length;
  const nVal = data.val.samples.length;
  // One id space over the three tables: equal ids ⇔ equal stored records.
  const ids = contentIds(concatTables(concatTables(data.train.table, data.val.table), data.test.table), data.objectsDir);
  const train = new Set(ids.subarray(0, nTrain));
  const val = new Set(ids.subarray(nTrain, nTrain + nVal));
  let alsoInTrain = 0;
  let alsoInValidation = 0;
  const examples: string[] = [];
  ids.subarray(nTrain + nVal).forEach((id, i) => {
    const inTrain = train.has(id);
    if (!inTrain && !val.has(id)) return;
    if (inTrain) alsoInTrain++;
    else alsoInValidation++;
    if (examples.length < 10) examples.push(data.test.samples[i]!.id);
  });
  return { alsoInTrain, alsoInValidation, examples };
}
