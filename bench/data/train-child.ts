/**
 * Training throughput on PneumoniaMNIST: the pneumonia pipeline's data (ingest → z-score →
 * augment → split, from a cache) and model (the tutorial CNN, 32 + 32 filters), trained for a few
 * epochs through the store's loader and through an in-memory float32 array (today's path before
 * the store: the whole training set decoded and normalised in RAM, batches gathered and augmented
 * on the main thread), alternately. Prints one JSON line: training images/s of each, best round.
 *   npx tsx bench/data/train-child.ts <cacheDir> [epochs] [rounds]
 */
import { augment, ingest, normalize, pipeline, split } from '../../src/index.ts';
import type { SplitSet } from '../../src/data/image-set.ts';
import { readAllPixels } from '../../src/data/loader/read-all.ts';
import { CacheStore } from '../../src/runtime/cache-store.ts';
import { runToCompletion } from '../../src/runtime/run.ts';
import { definitionOf } from '../../src/stages/registry.ts';
import { initBackend } from '../../src/backend/select.ts';
import { buildModel } from '../../src/train/build-model.ts';
import { fitModel } from '../../src/train/fit.ts';
import { modelFromData } from '../../src/train/model-data.ts';
import { toFitData } from '../../src/train/train-fresh.ts';
import { epochMetrics } from '../../src/metrics/index.ts';

const [cacheDir, epochsText = '3', roundsText = '2'] = process.argv.slice(2);
const p = pipeline('bench-train', { seed: 42 })
  .stage(ingest.folder({ root: new URL('../../../shared/data/pneumoniamnist/images', import.meta.url).pathname, classes: ['normal', 'pneumonia'], size: [28, 28], channels: 1 }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
  .stage(augment({ rotation: 10, translate: 0.08, zoom: 0.1 }))
  .stage(split());
const done = await runToCompletion(p, { cacheDir, outDir: `${cacheDir}/out` });
if (!done.ok) throw new Error(done.error?.message);
const store = new CacheStore(cacheDir!);
const entry = await store.get((await store.readIndex('bench-train', 'split'))!.key);
const splits = (await definitionOf('split')!.out.codec.decode((await store.load(entry!))!)) as SplitSet;
await initBackend(undefined);
const built = await buildModel({ model: 'tutorial-cnn', filters: [32, 32] }, splits.shape, { seed: 42, baseDir: '.', dataHash: '', trainCount: splits.train.samples.length });
const stored = toFitData(splits, splits.train);
const val = toFitData(splits, splits.val);
const memory = { x: await readAllPixels(splits, splits.train.table), y: stored.y, count: stored.count, shape: stored.shape };
const epochs = Number(epochsText);
const time = async (train: typeof stored | typeof memory) => {
  const model = await modelFromData(built.model);
  const t = performance.now();
  await fitModel(model, train, val, { epochs, batchSize: 32, seed: 42, augment: splits.augment, metrics: epochMetrics, trainMetrics: 'running' });
  model.dispose();
  return (epochs * train.count) / ((performance.now() - t) / 1000);
};
let best = { store: 0, memory: 0 };
for (let r = 0; r < Number(roundsText); r++) {
  best = { store: Math.max(best.store, await time(stored)), memory: Math.max(best.memory, await time(memory)) };
}
console.log(JSON.stringify(best));
process.exit(0);
