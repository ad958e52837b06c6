/**
 * The loader alone: images of an ingested set (224x224x1 records) through the dataset z-score and,
 * with --augment, the affine augmentation (rotation 10°, translation 0.1, zoom 0.1), batch by batch
 * as fit would get them, nothing consuming them. Prints one JSON line: images/s over the timed
 * passes (the first batch, which starts the workers, is not timed) and the records it read, for the
 * PyTorch side to read the same bytes.
 *   npx tsx bench/data/loader-child.ts <cacheDir> <pipeline> <count> [--augment] [--records out.json]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createRng } from '../../src/base/rng.ts';
import type { SplitSet } from '../../src/data/image-set.ts';
import { storeSource } from '../../src/data/loader/image-source.ts';
import { batchRecord } from '../../src/data/loader/image-source.ts';
import { objectPath } from '../../src/base/object-store.ts';
import { CacheStore } from '../../src/runtime/cache-store.ts';
import { definitionOf } from '../../src/stages/registry.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { augment: { type: 'boolean', default: false }, records: { type: 'string' }, batch: { type: 'string', default: '64' } } });
const [cacheDir, pipelineName, countText] = positionals;
const store = new CacheStore(cacheDir!);
const index = await store.readIndex(pipelineName!, 'split');
const entry = index && (await store.get(index.key));
const artifact = entry && (await store.load(entry));
if (!artifact) throw new Error(`no split output of ${pipelineName} in ${cacheDir}`);
const splits = (await definitionOf('split')!.out.codec.decode(artifact)) as SplitSet;
const train = splits.train;
const count = Math.min(Number(countText), train.samples.length);
const source = storeSource(train.table, { objectsDir: splits.objectsDir, recordShape: splits.recordShape, steps: splits.preprocessing });
const order = Int32Array.from({ length: count }, (_, i) => i);
const batch = Number(values.batch);
const policy = { rotation: 10, translate: 0.1, zoom: 0.1 };
let images = 0;
let started = 0;
// As fit and predict take them: each batch is done with when the next is asked for.
for await (const pixels of source.batches(order, batch, values.augment ? { policy, rng: createRng(1) } : undefined, { reuse: true })) {
  if (started === 0) started = performance.now();
  else images += pixels.length / (224 * 224);
}
const seconds = (performance.now() - started) / 1000;
if (values.records) {
  const fitted = splits.preprocessing.at(-1) as { mean?: number[]; std?: number[] };
  const rows = Array.from(order, (row) => {
    const r = batchRecord(train.table, row);
    return [objectPath(splits.objectsDir, r.shard), r.offset, r.length, r.crc];
  });
  await writeFile(values.records, JSON.stringify({ mean: fitted.mean?.[0] ?? 0, std: fitted.std?.[0] ?? 1, rows }));
}
console.log(JSON.stringify({ images, seconds, imagesPerSecond: images / seconds }));
process.exit(0);
