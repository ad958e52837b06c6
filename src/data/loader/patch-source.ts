/**
 * The segmentation loader: training patches cut ahead of the consumer in worker threads, so patch
 * extraction and joint augmentation overlap the training step. The images are copied once into
 * shared memory (SharedArrayBuffer), so a request carries only handles and the plan; every random
 * choice is drawn on the calling thread, in order (patch-sampler.ts: drawPatches), so the batches
 * are the same as `samplePatches` gives from the same stream, whichever thread cut them.
 *
 * @example
 *   const source = patchSource(train);
 *   for await (const batch of source.batches(steps, () => drawPatches(train, index, options, rng, policy))) step(batch);
 */
import { sharedPool, type TaskPool } from '../workers/pool.ts';
import type { PatchBatch, PatchImage, PatchPlan } from './patch-sampler.ts';

export interface PatchSourceOptions {
  /** Where patches are cut. @default the shared worker pool (inline with MEDPIPE_WORKERS=0) */
  readonly pool?: TaskPool;
  /** Batches cut ahead of the consumer. @default 2 */
  readonly prefetch?: number;
}

export interface PatchRequest {
  readonly images: readonly PatchImage[];
  readonly plan: PatchPlan;
}

export interface PatchSource {
  /** `count` batches, the plan of each drawn (in order) when its request is issued. */
  batches(count: number, draw: () => PatchPlan): AsyncGenerator<PatchBatch, void, undefined>;
}

function shared<T extends Float32Array | Uint8Array>(array: T): T {
  const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

export function patchSource(samples: readonly PatchImage[], options: PatchSourceOptions = {}): PatchSource {
  const pool = options.pool ?? sharedPool();
  // Workers see the images through shared memory; inline, the arrays are used as they are.
  const images: PatchImage[] =
    pool.size === 0
      ? [...samples]
      : samples.map((s) => ({ id: s.id, height: s.height, width: s.width, channels: s.channels, pixels: shared(s.pixels), mask: shared(s.mask), ...(s.roi ? { roi: shared(s.roi) } : {}) }));
  const depth = Math.max(1, options.prefetch ?? 2);
  return {
    async *batches(count, draw) {
      const queue: Promise<PatchBatch>[] = [];
      let issued = 0;
      const issue = () => {
        const pending = pool.run('patches', { images, plan: draw() });
        pending.catch(() => undefined); // surfaced when the consumer reaches it
        queue.push(pending);
        issued++;
      };
      try {
        for (let b = 0; b < count; b++) {
          while (issued < count && queue.length < depth) issue();
          yield await queue.shift()!;
        }
      } finally {
        queue.length = 0; // a consumer that stops early (cancellation) drops what was prefetched
      }
    },
  };
}
