// The loader: batches read from the store equal the same images held in memory — with and
// without augmentation, assembled inline or in worker threads — in order; the prefetch queue stays
// bounded; a consumer that stops early leaves nothing running.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng, shuffleInPlace } from '../../../src/base/rng.ts';
import { inOrder, memorySource, storeSource, type ImageSource } from '../../../src/data/loader/image-source.ts';
import { imageSetFromArrays } from '../../../src/data/store/from-arrays.ts';
import type { ImageSet } from '../../../src/data/image-set.ts';
import { inlinePool, sharedPool, type TaskPool } from '../../../src/data/workers/pool.ts';
import { prng, removeDir, tempDir } from '../../helpers/core.ts';

const Loader = suite<{ dir: string; set: ImageSet; x: Float32Array }>('loader: store batches = in-memory batches, bounded prefetch');
const N = 50;
const SHAPE = [12, 10, 1] as const;
const SIZE = 120;

Loader.before(async (ctx) => {
  ctx.dir = await tempDir('loader');
  const rand = prng(3);
  ctx.x = Float32Array.from({ length: N * SIZE }, () => Math.round(rand() * 255));
  ctx.set = await imageSetFromArrays(path.join(ctx.dir, 'objects'), {
    classes: ['a', 'b'],
    shape: SHAPE,
    samples: Array.from({ length: N }, (_, i) => ({ id: `s${i}`, file: `s${i}`, label: i % 2 })),
    pixels: ctx.x,
  });
});
Loader.after(async (ctx) => removeDir(ctx.dir));

const zscore = { step: 'normalize' as const, method: 'zscore' as const, scope: 'dataset' as const, fittedOn: 'train' as const, mean: [127.5], std: [70.25], perChannel: false };

async function collect(source: ImageSource, order: ArrayLike<number>, batch: number, augmentSeed?: number): Promise<Float32Array[]> {
  const policy = { rotation: 15, translate: 0.1, zoom: 0.1, brightness: 0.1 };
  const out: Float32Array[] = [];
  for await (const b of source.batches(order, batch, augmentSeed === undefined ? undefined : { policy, rng: createRng(augmentSeed) })) out.push(b);
  return out;
}

Loader('the same batches as from memory: shuffled order, z-score, augmentation; inline and in worker threads alike', async ({ set, x }) => {
  // In memory: the z-scored float32 images, as normalize used to store them.
  const normalised = Float32Array.from(x, (v) => (v - zscore.mean[0]!) / zscore.std[0]!);
  const memory = memorySource(normalised, SHAPE);
  const order = shuffleInPlace(Int32Array.from({ length: N }, (_, i) => i), createRng(9));
  for (const pool of [inlinePool, sharedPool()] as TaskPool[]) {
    const store = storeSource(set.table, { objectsDir: set.objectsDir, recordShape: SHAPE, steps: [zscore], pool });
    for (const seed of [undefined, 4]) {
      const a = await collect(memory, order, 8, seed);
      const b = await collect(store, order, 8, seed);
      assert.is(b.length, Math.ceil(N / 8));
      assert.equal(b.map((t) => t.length), a.map((t) => t.length));
      b.forEach((batch, k) => assert.equal(Array.from(batch), Array.from(a[k]!), `pool ${pool.size}, seed ${seed}, batch ${k}`));
    }
  }
});

Loader('prefetch is bounded, and a consumer that stops early drops what was queued', async ({ set }) => {
  let inFlight = 0;
  let most = 0;
  let started = 0;
  const counting: TaskPool = {
    size: 1,
    async run(kind, input) {
      started++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      try {
        return await inlinePool.run(kind, input);
      } finally {
        inFlight--;
      }
    },
  };
  const store = storeSource(set.table, { objectsDir: set.objectsDir, recordShape: SHAPE, steps: [], pool: counting, prefetch: 3 });
  let seen = 0;
  for await (const _ of store.batches(inOrder(N), 2)) {
    if (++seen === 5) break;
  }
  assert.ok(most <= 3, `at most 3 batches in flight, saw ${most}`);
  assert.ok(started <= 5 + 3, `no batch requested beyond the queue: ${started}`);
});

Loader('with reuse, handed-back buffers are refilled (inline and across threads) and hold the same batches', async ({ set }) => {
  const order = shuffleInPlace(Int32Array.from({ length: N }, (_, i) => i), createRng(5));
  let refilled = 0;
  for (const inner of [inlinePool, sharedPool()] as TaskPool[]) {
    const counting: TaskPool = {
      size: inner.size,
      run(kind, input, transfer) {
        if ((input as { into?: Float32Array }).into) refilled++;
        return inner.run(kind, input, transfer);
      },
    };
    const before = refilled;
    for (const seed of [undefined, 6]) {
      const fresh = storeSource(set.table, { objectsDir: set.objectsDir, recordShape: SHAPE, steps: [zscore], pool: inner });
      const reused = storeSource(set.table, { objectsDir: set.objectsDir, recordShape: SHAPE, steps: [zscore], pool: counting });
      const a = await collect(fresh, order, 8, seed);
      const b: Float32Array[] = [];
      const policy = { rotation: 15, translate: 0.1, zoom: 0.1, brightness: 0.1 };
      // A copy of each batch before asking for the next: after that its buffer belongs to the loader.
      for await (const batch of reused.batches(order, 8, seed === undefined ? undefined : { policy, rng: createRng(seed) }, { reuse: true })) b.push(batch.slice());
      assert.equal(b.map((t) => Array.from(t)), a.map((t) => Array.from(t)), `pool ${inner.size}, seed ${seed}`);
    }
    // 7 batches (the last one short), at most 4 in flight with the first: later full ones are refills.
    assert.ok(refilled - before >= 2, `pool ${inner.size}: ${refilled - before} requests refilled a handed-back buffer`);
  }
});

Loader.run();
