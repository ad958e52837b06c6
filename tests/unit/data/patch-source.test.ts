// The segmentation loader: patches cut ahead of the consumer in worker threads equal the ones the
// single-threaded sampler cuts from the same random stream (image, centre, joint augmentation), in
// order; the prefetch queue stays bounded; a worker sees the images through shared memory.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng } from '../../../src/base/rng.ts';
import { drawPatches, indexPixels, samplePatches, type PatchOptions } from '../../../src/data/loader/patch-sampler.ts';
import { patchSource } from '../../../src/data/loader/patch-source.ts';
import { syntheticShapes } from '../../../src/data/synthetic-shapes.ts';
import { inlinePool, sharedPool, type TaskPool } from '../../../src/data/workers/pool.ts';

const S = suite('patch loader');
const samples = syntheticShapes(4, 40, { seed: 6, roi: true });
const index = indexPixels(samples);
const options: PatchOptions = { size: 16, count: 6, positive: 2, negative: 1 };
const policy = { rotation: 30, horizontalFlip: true, zoom: 0.2, brightness: 0.1 };

S('worker-cut and inline batches equal samplePatches from the same stream, batch by batch', async () => {
  const workers = sharedPool();
  assert.ok(workers.size > 0, 'the shared pool has worker threads (MEDPIPE_WORKERS unset or > 0)');
  const reference = createRng(11);
  const want = Array.from({ length: 5 }, () => samplePatches(samples, index, options, reference, policy));
  for (const pool of [workers, inlinePool] as TaskPool[]) {
    const rng = createRng(11);
    const got = [];
    for await (const batch of patchSource(samples, { pool }).batches(5, () => drawPatches(samples, index, options, rng, policy))) got.push(batch);
    assert.is(got.length, 5);
    got.forEach((batch, b) => {
      assert.equal(Array.from(batch.x), Array.from(want[b]!.x), `pool of ${pool.size}: pixels of batch ${b}`);
      assert.equal(Array.from(batch.mask), Array.from(want[b]!.mask), `masks of batch ${b}`);
      assert.equal(Array.from(batch.roi), Array.from(want[b]!.roi), `ROIs of batch ${b}`);
    });
  }
  // Foreground-weighted: most patches hold foreground.
  const withForeground = want.flatMap((batch) => Array.from({ length: batch.count }, (_, n) => batch.mask.subarray(n * 256, (n + 1) * 256).some((v) => v > 0)));
  assert.ok(withForeground.filter(Boolean).length >= withForeground.length / 2);
});

S('prefetch is bounded: at most `prefetch` plans are drawn ahead of the consumer', async () => {
  let drawn = 0;
  let consumed = 0;
  const rng = createRng(3);
  for await (const batch of patchSource(samples, { prefetch: 2 }).batches(6, () => {
    drawn++;
    return drawPatches(samples, index, options, rng);
  })) {
    consumed++;
    assert.ok(drawn - consumed <= 1, `${drawn} drawn, ${consumed} consumed`); // the one being cut while this is consumed
    assert.is(batch.count, 6);
    if (consumed === 3) break;
  }
  assert.is(consumed, 3);
  assert.is(drawn, 4, 'stopping early after 3 batches drew one more plan, not all 6');
});

S.run();
