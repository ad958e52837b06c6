/**
 * An ImageSet from images already in memory (generated data, tests, arrays from elsewhere): each
 * image becomes a record in the narrowest exact type, written to shards in `objectsDir`.
 * @example
 *   const set = await imageSetFromArrays(objectsDir, { classes: ['a', 'b'], shape: [8, 8, 1], samples, pixels });
 */
import { createHash } from 'node:crypto';
import { narrowest } from '../../io/decode-bytes.ts';
import type { ImageSet } from '../image-set.ts';
import type { PreprocessStep } from '../preprocessing.ts';
import type { ImageShape, SampleMeta } from '../types.ts';
import { assembleImageSet, type Located } from './assemble-set.ts';
import { dtypeOf } from './format.ts';
import { recordMoments } from './record-moments.ts';
import { ShardWriter } from './shard-writer.ts';
import { shapeAfter } from '../transform.ts';

export interface ArrayImages {
  readonly classes: readonly string[];
  readonly shape: ImageShape;
  readonly samples: readonly SampleMeta[];
  /** samples.length · h · w · c values, NHWC. */
  readonly pixels: Float32Array;
  /** Per sample [lo, hi] (rescale divides by it). @default [0, 255] each */
  readonly ranges?: Float32Array;
  readonly preprocessing?: readonly PreprocessStep[];
  /** @default inferred from the classes (binary for two) */
  readonly task?: ImageSet['task'];
}

export async function imageSetFromArrays(objectsDir: string, images: ArrayImages): Promise<ImageSet> {
  const [h, w, c] = images.shape;
  const size = h * w * c;
  const writer = new ShardWriter(objectsDir);
  const located: { file: string; record: ReturnType<ShardWriter['add']> }[] = [];
  try {
    images.samples.forEach((sample, i) => {
      const data = narrowest(images.pixels.slice(i * size, (i + 1) * size));
      const range: [number, number] = images.ranges ? [images.ranges[i * 2]!, images.ranges[i * 2 + 1]!] : [0, 255];
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const fileHash = createHash('sha256').update(bytes).digest('hex');
      located.push({ file: sample.id, record: writer.add({ file: sample.id, fileHash, frames: 1, dtype: dtypeOf(data), shape: images.shape, range, moments: recordMoments(data, c) }, data) });
    });
  } catch (error) {
    writer.discard();
    throw error;
  }
  const shard = await writer.finish();
  const records = new Map<string, Located[]>(located.map(({ file, record }) => [file, [{ shard: { hash: shard.hash, size: shard.size }, record }]]));
  const set = assembleImageSet({
    listing: {
      files: images.samples.map((s) => {
        // A multi-label sample names its findings (its 0/1 labels), not one class.
        const findings = s.labels ? images.classes.filter((_, j) => s.labels![j] === 1) : undefined;
        return {
          rel: s.id,
          abs: s.id,
          className: findings ? findings.join('|') : (images.classes[s.label] ?? String(s.label)),
          ...(findings ? { findings } : {}),
          ...(s.split ? { split: s.split } : {}),
          ...(s.group !== undefined ? { group: s.group } : {}),
        };
      }),
      classes: images.classes,
      ...(images.task === 'multilabel' ? { multiLabel: true } : {}),
    },
    config: { root: '', size: [h, w], channels: c === 1 ? 1 : 3 },
    spec: { size: [h, w], channels: c === 1 ? 1 : 3, decoder: 'arrays' },
    records,
    problems: new Map(),
    objectsDir,
    ...(images.task ? { task: images.task } : {}),
  });
  const { decode: _spec, ...rest } = set;
  const preprocessing = images.preprocessing ?? [];
  return { ...rest, samples: images.samples, preprocessing, shape: shapeAfter(images.shape, preprocessing) };
}
