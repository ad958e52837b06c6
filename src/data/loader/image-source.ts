/**
 * The loader: images for training, evaluation, tuning, cross-validation and Grad-CAM, batch by
 * batch, assembled ahead of the consumer (in worker threads for large images) and handed over in
 * order through a bounded queue, so memory holds a few batches, never the data set.
 *
 * @example
 *   const source = subsetSource(splits, splits.train);
 *   for await (const pixels of source.batches(order, 32, { policy, rng })) train(pixels);
 */
import type { Rng } from '../../base/rng.ts';
import type { ImageShape } from '../../io/types.ts';
import { isIdentityPolicy, sampleTransform, transformImage, imageRange, type AugmentPolicy, type ImageTransform } from '../augment.ts';
import type { PreprocessStep } from '../preprocessing.ts';
import { DTYPES } from '../store/format.ts';
import type { RecordTable } from '../store/record-table.ts';
import { shapeAfter } from '../transform.ts';
import { inlinePool, sharedPool, type TaskPool } from '../workers/pool.ts';
import type { BatchRecord, BatchRequest } from './assemble.ts';

/** Augmentation of a pass: the policy and the random stream the per-image transforms are drawn from, in order. */
export interface AugmentDraw {
  readonly policy: AugmentPolicy;
  readonly rng: Rng;
}

export interface ImageSource {
  readonly count: number;
  /** The shape of every image handed out. */
  readonly shape: ImageShape;
  /**
   * Images `indices` in that order, `batchSize` at a time (the last batch may be smaller). With
   * `augment`, image i of the pass gets the i-th transform drawn from its stream.
   */
  batches(indices: ArrayLike<number>, batchSize: number, augment?: AugmentDraw, options?: BatchOptions): AsyncGenerator<Float32Array, void, undefined>;
}

export interface BatchOptions {
  /**
   * The consumer is done with a batch when it asks for the next one (it copies the pixels or
   * disposes what it made of them before): the batch's buffer is then refilled with a later batch
   * instead of a new one being allocated. Saves the page faults of a fresh buffer per batch in the
   * workers and the collection of the old ones on the consumer's thread. @default false
   */
  readonly reuse?: boolean;
}

/** The images in order, all of them, in one batch per `batchSize`. */
export function inOrder(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i);
}

/** Draws one transform per image with range 1 (assembly scales brightness by each image's range). */
function drawTransforms(augment: AugmentDraw | undefined, shape: ImageShape, n: number): ImageTransform[] | undefined {
  if (!augment || isIdentityPolicy(augment.policy)) return undefined;
  return Array.from({ length: n }, () => sampleTransform(augment.policy, shape, augment.rng, 1));
}

/** Images held in one float32 array (tests, small in-memory data): assembled on the calling thread. */
export function memorySource(x: Float32Array, shape: ImageShape): ImageSource {
  const size = shape[0] * shape[1] * shape[2];
  return {
    count: Math.floor(x.length / size),
    shape,
    async *batches(indices, batchSize, augment) {
      for (let start = 0; start < indices.length; start += batchSize) {
        const n = Math.min(batchSize, indices.length - start);
        const out = new Float32Array(n * size);
        const transforms = drawTransforms(augment, shape, n);
        const fill = augment?.policy.fill ?? 'nearest';
        const needsRange = (augment?.policy.brightness ?? 0) > 0;
        for (let i = 0; i < n; i++) {
          const src = indices[start + i]! * size;
          if (!transforms) {
            out.set(x.subarray(src, src + size), i * size);
            continue;
          }
          const range = needsRange ? imageRange(x, src, size) : 1;
          const draw = transforms[i]!;
          const tr = draw.brightness === 0 ? draw : { ...draw, brightness: draw.brightness * range };
          transformImage(x, src, out, i * size, shape, tr, fill, augment!.policy.fillValue ?? 0);
        }
        yield out;
      }
    },
  };
}

export interface StoreSourceOptions {
  readonly objectsDir: string;
  readonly recordShape: ImageShape;
  readonly steps: readonly PreprocessStep[];
  /** Where batches are assembled. @default worker threads for large images, else inline */
  readonly pool?: TaskPool;
  /** Batches assembled ahead of the consumer. @default 2 per worker, at least 2 */
  readonly prefetch?: number;
}

/** Below this many float32 values per batch, assembling on the calling thread is cheaper than a worker round trip. */
const WORKER_MIN_VALUES = 1 << 17;

/** Where row `row`'s record is, for a batch request. */
export function batchRecord(table: RecordTable, row: number): BatchRecord {
  return {
    shard: table.shards[table.shard[row]!]!.hash,
    offset: table.offset[row]!,
    length: table.length[row]!,
    crc: table.crc[row]!,
    dtype: DTYPES[table.dtype[row]!]!,
    range: [table.ranges[row * 2]!, table.ranges[row * 2 + 1]!],
  };
}

/** Images read from the cache's shards through `table`, preprocessed by `steps`. */
export function storeSource(table: RecordTable, options: StoreSourceOptions): ImageSource {
  const shape = shapeAfter(options.recordShape, options.steps);
  const size = shape[0] * shape[1] * shape[2];
  const recordOf = (row: number) => batchRecord(table, row);
  return {
    count: table.shard.length,
    shape,
    async *batches(indices, batchSize, augment, batchOptions) {
      const pool = options.pool ?? (size * batchSize >= WORKER_MIN_VALUES ? sharedPool() : inlinePool);
      const depth = options.prefetch ?? Math.max(2, 2 * pool.size);
      const total = Math.ceil(indices.length / batchSize);
      const queue: Promise<Float32Array>[] = [];
      /** Buffers the consumer has handed back (with `reuse`), each the size of a full batch. */
      const spare: Float32Array[] = [];
      let issued = 0;
      const issue = () => {
        const start = issued * batchSize;
        const n = Math.min(batchSize, indices.length - start);
        const records = Array.from({ length: n }, (_, i) => recordOf(indices[start + i]!));
        const transforms = drawTransforms(augment, shape, n);
        const into = n === batchSize ? spare.pop() : undefined;
        const request: BatchRequest = {
          objectsDir: options.objectsDir,
          recordShape: options.recordShape,
          shape,
          steps: options.steps,
          records,
          ...(transforms ? { augment: { policy: augment!.policy, transforms } } : {}),
          ...(into ? { into } : {}),
        };
        const pending = pool.run('batch', request, into ? [into.buffer as ArrayBuffer] : []);
        pending.catch(() => undefined); // surfaced when the consumer reaches it
        queue.push(pending);
        issued++;
      };
      try {
        for (let b = 0; b < total; b++) {
          while (issued < total && queue.length < depth) issue();
          const batch = await queue.shift()!;
          yield batch;
          if (batchOptions?.reuse && batch.length === batchSize * size) spare.push(batch);
        }
      } finally {
        queue.length = 0; // a consumer that stops early (cancellation) drops what was prefetched
      }
    },
  };
}
