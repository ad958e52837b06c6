import { createHash } from 'node:crypto';
import { sampleSize, type SplitSet, type Subset } from './image-set.ts';

/** Test images whose pixels are exactly those of an image the model learned from or was selected on. */
export interface TestLeakage {
  /** Test images identical to a training image. */
  readonly alsoInTrain: number;
  /** Test images identical to a validation image (and to no training image). */
  readonly alsoInValidation: number;
  /** Up to 10 of their sample ids. */
  readonly examples: readonly string[];
}

function digests(subset: Subset, size: number): string[] {
  return subset.samples.map((_, i) => {
    const view = subset.pixels.subarray(i * size, (i + 1) * size);
    return createHash('sha1').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');
  });
}

/**
 * Counts test images that repeat a training or validation image pixel for pixel (after decoding
 * and normalization, as the model sees them): their scores are not an honest test of
 * generalisation, and a reader of the test metrics should know how many there are.
 * @example
 *   testLeakage(splits); // { alsoInTrain: 40, alsoInValidation: 7, examples: ['Testing/glioma/Te-gl_0012.jpg', …] }
 */
export function testLeakage(data: SplitSet): TestLeakage {
  const size = sampleSize(data.shape);
  const train = new Set(digests(data.train, size));
  const val = new Set(digests(data.val, size));
  let alsoInTrain = 0;
  let alsoInValidation = 0;
  const examples: string[] = [];
  digests(data.test, size).forEach((digest, i) => {
    const inTrain = train.has(digest);
    if (!inTrain && !val.has(digest)) return;
    if (inTrain) alsoInTrain++;
    else alsoInValidation++;
    if (examples.length < 10) examples.push(data.test.samples[i]!.id);
  });
  return { alsoInTrain, alsoInValidation, examples };
}
