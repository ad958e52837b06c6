// normalize and split: the arithmetic of each method, dataset z-score fitted on train only (no
// leakage), and the split's fractions, stratification, seeding, groups and leak audit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import type { ImageSet, SplitSet } from '../../../src/data/image-set.ts';
import type { SampleMeta, SplitName } from '../../../src/data/types.ts';
import { assertOk, loadMedpipe, loadOutput, logsOf, removeDir, runCollect, tempDir, writeGreyPng, type Medpipe } from '../../helpers/core.ts';

type NormalizeRun = typeof import('../../../src/data/normalize.ts');
type SplitRun = typeof import('../../../src/data/split-set.ts');

interface Ctx {
  m: Medpipe;
  normalizeImageSet: NormalizeRun['normalizeImageSet'];
  splitImageSet: SplitRun['splitImageSet'];
  dir: string;
}

/** The set's images as the loader delivers them (preprocessing applied), one float32 array. */
async function pixelsOf(set: ImageSet | SplitSet, table = (set as ImageSet).table): Promise<Float32Array> {
  const { readAllPixels } = await import('../../../src/data/loader/read-all.ts');
  return readAllPixels(set, table);
}

/** An ImageSet from per-sample pixel arrays (all of one shape), stored as records under `dir`. */
async function imageSet(dir: string, images: number[][], shape: [number, number, number], samples: Partial<SampleMeta>[], ranges?: number[]): Promise<ImageSet> {
  const { imageSetFromArrays } = await import('../../../src/data/store/from-arrays.ts');
  return imageSetFromArrays(path.join(dir, 'objects'), {
    classes: ['neg', 'pos'],
    shape,
    samples: samples.map((s, i) => ({ id: `s${i}`, file: `s${i}.png`, label: 0, ...s })),
    pixels: new Float32Array(images.flat()),
    ranges: new Float32Array(ranges ?? images.flatMap(() => [0, 255])),
  });
}

const imageOf = (pixels: Float32Array, i: number, size: number) => Array.from(pixels.subarray(i * size, (i + 1) * size));
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: ArrayLike<number>) => {
  const m = mean(xs);
  return Math.sqrt(mean(Array.from(xs, (x) => (x - m) ** 2)));
};
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

// ---------------------------------------------------------------- normalize

const Normalize = suite<Ctx>('normalize: rescale, minmax, z-score per image and per dataset (train only), clip');

Normalize.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ({ normalizeImageSet: ctx.normalizeImageSet } = await import('../../../src/data/normalize.ts'));
});
Normalize.before.each(async (ctx) => {
  ctx.dir = await tempDir('normalize');
});
Normalize.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

Normalize('rescale divides by the source range; minmax and per-image z-score work image by image', async ({ normalizeImageSet, dir }) => {
  const set = await imageSet(dir, [[0, 51, 255, 102], [1000, 2000, 3000, 65535], [7, 7, 7, 7]], [2, 2, 1], [{}, {}, {}], [0, 255, 0, 65535, 0, 255]);
  const rescaled = normalizeImageSet(set, { method: 'rescale' });
  const r = await pixelsOf(rescaled);
  imageOf(r, 0, 4).forEach((v, k) => close(v, [0, 0.2, 1, 0.4][k]!));
  imageOf(r, 1, 4).forEach((v, k) => close(v, [1000, 2000, 3000, 65535][k]! / 65535));
  assert.equal(rescaled.preprocessing, [{ step: 'normalize', method: 'rescale' }], 'recorded for predict');
  assert.equal(imageOf(await pixelsOf(set), 0, 4), [0, 51, 255, 102], 'the input is not modified');
  assert.equal(rescaled.table, set.table, 'no copy: the same records, one more step');

  const minmax = await pixelsOf(normalizeImageSet(set, { method: 'minmax' }));
  for (let i = 0; i < 2; i++) {
    const img = imageOf(minmax, i, 4);
    close(Math.min(...img), 0);
    close(Math.max(...img), 1);
  }
  assert.equal(imageOf(minmax, 2, 4), [0, 0, 0, 0], 'a constant image becomes 0, not NaN');

  const z = await pixelsOf(normalizeImageSet(set, { method: 'zscore', scope: 'image' }));
  for (let i = 0; i < 2; i++) {
    close(mean(imageOf(z, i, 4)), 0);
    close(std(imageOf(z, i, 4)), 1, 1e-4);
  }
  assert.equal(imageOf(z, 2, 4), [0, 0, 0, 0]);
});

Normalize('clip: values clipped to [low, high], then scaled to [0, 1]', async ({ normalizeImageSet, dir }) => {
  const set = await imageSet(dir, [[-1000, -160, 0, 240, 400, 3000]], [1, 6, 1], [{}]);
  const out = await pixelsOf(normalizeImageSet(set, { method: 'clip', low: -160, high: 240 }));
  imageOf(out, 0, 6).forEach((v, k) => close(v, [0, 0, 0.4, 1, 1, 1][k]!));
});

Normalize('dataset z-score is deferred by normalize and fitted on the TRAINING split only', async ({ normalizeImageSet, dir }) => {
  const set = await imageSet(dir, [[1, 2], [3, 4]], [1, 2, 1], [{}, {}]);
  const out = normalizeImageSet(set, { method: 'zscore' });
  assert.equal(Array.from(await pixelsOf(out)), [1, 2, 3, 4], 'nothing computed before the split exists');
  assert.equal(out.deferred, [{ method: 'zscore', perChannel: false }]);
});

Normalize('dataset z-score end to end: train mean ~0 and std ~1, val/test use the train statistics and are not forced to 0', async (ctx) => {
  const { m } = ctx;
  // Train images around 60/120, test images much brighter (around 200/230): if test pixels entered
  // the statistics, the fitted mean would move up and train would no longer have mean 0.
  const levels: Record<SplitName, [number, number]> = { train: [60, 120], val: [70, 130], test: [200, 230] };
  for (const [split, [lo, hi]] of Object.entries(levels)) {
    for (let i = 0; i < (split === 'train' ? 8 : 4); i++) {
      await writeGreyPng(path.join(ctx.dir, 'data', split, 'neg', `${split}_n${i}.png`), lo, i + split.length * 31, 8);
      await writeGreyPng(path.join(ctx.dir, 'data', split, 'pos', `${split}_p${i}.png`), hi, 500 + i + split.length * 31, 8);
    }
  }
  const p = m
    .pipeline('zscore')
    .stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
    .stage(m.normalize({ method: 'zscore' }))
    .stage(m.split());
  const run = await runCollect(p, { cacheDir: path.join(ctx.dir, 'cache'), outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir });
  assertOk(run);
  const raw = await loadOutput<ImageSet>(path.join(ctx.dir, 'cache'), 'zscore', 'ingest');
  const splits = await loadOutput<SplitSet>(path.join(ctx.dir, 'cache'), 'zscore', 'split');
  const train = await pixelsOf(splits, splits.train.table);
  const test = await pixelsOf(splits, splits.test.table);
  const rawPixels = await pixelsOf(raw);
  close(mean(train), 0, 1e-4);
  close(std(train), 1, 1e-4);
  assert.ok(mean(test) > 1.5, `test mean ${mean(test)} is far above 0`);
  // The recorded statistics are those of the raw TRAIN pixels, not of all pixels.
  const size = 64;
  const trainRaw = raw.samples.flatMap((s, i) => (s.split === 'train' ? imageOf(rawPixels, i, size) : []));
  const step = splits.preprocessing.find((s) => (s as { scope?: string }).scope === 'dataset') as unknown as { mean: number[]; std: number[]; fittedOn: string };
  assert.is(step.fittedOn, 'train');
  close(step.mean[0]!, mean(trainRaw), 1e-3);
  close(step.std[0]!, std(trainRaw), 1e-3);
  assert.ok(Math.abs(step.mean[0]! - mean(rawPixels)) > 10, 'the all-data mean is different, so this test would see a leak');
  // val/test are transformed with exactly those statistics
  const testRaw = raw.samples.flatMap((s, i) => (s.split === 'test' ? imageOf(rawPixels, i, size) : []));
  close(test[0]!, (testRaw[0]! - step.mean[0]!) / step.std[0]!, 1e-4);
});

Normalize('dataset z-score per channel fits one mean/std per channel on train', async (ctx) => {
  const { splitImageSet } = await import('../../../src/data/split-set.ts');
  // 2 train images of 1x1x3 plus a test image; keepExisting splits.
  const base = await imageSet(ctx.dir, [[0, 10, 100], [2, 30, 300], [1000, 1000, 1000], [1, 20, 200]], [1, 1, 3], [{ split: 'train' }, { split: 'train' }, { split: 'test' }, { split: 'val' }]);
  const set = { ...base, deferred: [{ method: 'zscore' as const, perChannel: true }] };
  const out = await splitImageSet(set, {}, 1);
  const step = out.preprocessing.at(-1) as unknown as { mean: number[]; std: number[] };
  assert.equal(step.mean, [1, 20, 200]);
  assert.equal(step.std, [1, 10, 100]);
  assert.equal(Array.from(await pixelsOf(out, out.val.table)), [0, 0, 0]);
});

Normalize('statistics from the moments ingest stored, and from one streaming pass, are the textbook ones and agree bit for bit', async (ctx) => {
  const { streamMoments } = await import('../../../src/data/loader/moments.ts');
  const { inOrder } = await import('../../../src/data/loader/image-source.ts');
  const images = Array.from({ length: 300 }, (_, i) => [((i * 7919) % 1000) / 7 - 50.25, i * 1e3 + 0.5, -i / 3]);
  const set = await imageSet(ctx.dir, images, [1, 1, 3], images.map(() => ({})));
  assert.ok(set.table.moments, 'ingest stored each record\'s moments');
  const { moments: _stored, ...withoutMoments } = set.table;
  const values = images.flat();
  for (const perChannel of [false, true]) {
    const options = { objectsDir: set.objectsDir, recordShape: set.recordShape, steps: [], perChannel };
    const { mean: m, std: s } = await streamMoments(set.table, inOrder(images.length), options);
    assert.equal(await streamMoments(withoutMoments, inOrder(images.length), options), { mean: m, std: s }, 'the pass over the records gives the same numbers');
    const groups = perChannel ? [0, 1, 2].map((c) => values.filter((_, k) => k % 3 === c)) : [values];
    groups.forEach((g, i) => {
      const f = Array.from(new Float32Array(g)); // the records hold float32
      close(m[i]!, mean(f), Math.abs(mean(f)) * 1e-12 + 1e-12);
      close(s[i]!, std(f), std(f) * 1e-12);
    });
  }
});

Normalize.run();

// ---------------------------------------------------------------- split

const Split = suite<Ctx>('split: stratified fractions, seeded, groups kept together, class counts, leak audit');

Split.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ({ splitImageSet: ctx.splitImageSet } = await import('../../../src/data/split-set.ts'));
});
Split.before.each(async (ctx) => {
  ctx.dir = await tempDir('split');
});
Split.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

/** n0 negatives then n1 positives, each with a unique 1-pixel image; optional group per sample. */
function labelled(dir: string, n0: number, n1: number, group?: (i: number) => string | undefined): Promise<ImageSet> {
  const images = Array.from({ length: n0 + n1 }, (_, i) => [i]);
  return imageSet(dir, images, [1, 1, 1], images.map((_, i) => ({ id: `s${i}`, label: i < n0 ? 0 : 1, ...(group?.(i) ? { group: group(i) } : {}) })));
}

const ids = (s: SplitSet, name: SplitName) => s[name].samples.map((x) => x.id);

Split('fractions are met per class (stratified); every sample lands in exactly one split', async ({ splitImageSet, dir }) => {
  const out = await splitImageSet(await labelled(dir, 50, 30), { fractions: { train: 0.6, val: 0.2, test: 0.2 } }, 7);
  assert.equal(out.counts, { train: [30, 18], val: [10, 6], test: [10, 6] });
  const all = [...ids(out, 'train'), ...ids(out, 'val'), ...ids(out, 'test')];
  assert.is(new Set(all).size, 80);
  // pixels follow their samples
  for (const name of ['train', 'val', 'test'] as const) {
    const pixels = await pixelsOf(out, out[name].table);
    out[name].samples.forEach((s, k) => assert.is(pixels[k], Number(s.id.slice(1))));
  }
  // The default (64/16/20) on 50/30 stays within one sample of the targets.
  const d = await splitImageSet(await labelled(dir, 50, 30), {}, 7);
  const target = { train: 0.64, val: 0.16, test: 0.2 };
  for (const name of ['train', 'val', 'test'] as const) {
    assert.ok(Math.abs(d.counts[name][0]! - 50 * target[name]) <= 1 && Math.abs(d.counts[name][1]! - 30 * target[name]) <= 1, JSON.stringify(d.counts));
  }
});

Split('seeded: the same seed gives the same split, another seed another one', async ({ splitImageSet, dir }) => {
  const a = await splitImageSet(await labelled(dir, 40, 40), {}, 1);
  const b = await splitImageSet(await labelled(dir, 40, 40), {}, 1);
  const c = await splitImageSet(await labelled(dir, 40, 40), {}, 2);
  assert.equal(ids(a, 'test'), ids(b, 'test'));
  assert.equal(ids(a, 'train'), ids(b, 'train'));
  assert.not.equal(ids(a, 'test'), ids(c, 'test'));
  assert.equal(a.counts, c.counts, 'the sizes do not depend on the seed');
});

Split('groups: a group (patient) never lands in two splits; the audit counts shared groups when grouping is off', async ({ splitImageSet, dir }) => {
  // 60 groups of 1..4 images each, a group's images share a label.
  const sizes = Array.from({ length: 60 }, (_, g) => 1 + (g % 4));
  const groupOf: string[] = sizes.flatMap((n, g) => Array<string>(n).fill(`patient${g}`));
  const n0 = sizes.slice(0, 30).reduce((a, b) => a + b, 0);
  const set = await labelled(dir, n0, groupOf.length - n0, (i) => groupOf[i]);
  for (const seed of [1, 2, 3]) {
    const out = await splitImageSet(set, {}, seed);
    const where = new Map<string, Set<SplitName>>();
    for (const name of ['train', 'val', 'test'] as const) {
      for (const s of out[name].samples) where.set(s.group!, new Set([...(where.get(s.group!) ?? []), name]));
    }
    assert.ok(
      [...where.values()].every((splits) => splits.size === 1),
      `seed ${seed}: a group is in two splits`,
    );
    assert.is(out.audit.sharedGroups, 0);
    assert.ok(out.train.samples.length > out.val.samples.length && out.val.samples.length > 0 && out.test.samples.length > 0);
  }
  const loose = await splitImageSet(set, { byGroup: false }, 1);
  assert.ok(loose.audit.sharedGroups > 0, 'without byGroup groups do get split, and the audit says so');
});

Split('leak audit: identical images in two splits are counted and named', async ({ splitImageSet, dir }) => {
  // Given splits; s1 (train) and s5 (test) are the same image, s2 (train) and s6 (val) too; s3 and
  // s4 are duplicates inside train only, which is no leak.
  const images = [
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    [3, 3],
    [1, 1],
    [2, 2],
    [9, 9],
  ];
  const splits: SplitName[] = ['train', 'train', 'train', 'train', 'train', 'test', 'val', 'test'];
  const set = await imageSet(dir, images, [1, 2, 1], images.map((_, i) => ({ split: splits[i]!, label: i % 2 })));
  const out = await splitImageSet(set, {}, 1);
  assert.is(out.audit.duplicateContent, 2);
  assert.ok(
    out.audit.examples.some((e) => /s5 \(test\) has the same pixels as an image in train/.test(e)),
    out.audit.examples.join('; '),
  );
  assert.ok(out.audit.examples.some((e) => /s6 \(val\)/.test(e)));
});

Split('existing splits: kept by default; a missing validation set is carved from train; keepExisting: false resplits', async ({ splitImageSet, dir }) => {
  const n = 40;
  const images = Array.from({ length: n }, (_, i) => [i]);
  const given: SplitName[] = images.map((_, i) => (i < 30 ? 'train' : 'test'));
  const set = await imageSet(dir, images, [1, 1, 1], images.map((_, i) => ({ split: given[i]!, label: i % 2 })));
  const kept = await splitImageSet(set, { valFraction: 0.2 }, 3);
  assert.is(kept.test.samples.length, 10);
  assert.ok(kept.test.samples.every((s) => s.split === 'test'));
  assert.is(kept.val.samples.length, 6, '20% of the 30 training images');
  assert.ok(kept.val.samples.every((s) => s.split === 'train'));
  const resplit = await splitImageSet(set, { keepExisting: false, fractions: { train: 0.5, val: 0.25, test: 0.25 } }, 3);
  assert.is(resplit.test.samples.length, 10);
  assert.ok(
    resplit.test.samples.some((s) => s.split === 'train'),
    'the given split is ignored',
  );
});

Split('too little data for a validation set is a clear NO_SAMPLES error', async ({ splitImageSet, dir }) => {
  try {
    await splitImageSet(await labelled(dir, 1, 1), { fractions: { train: 0.9, val: 0.05, test: 0.05 } }, 1);
    assert.unreachable();
  } catch (error) {
    assert.is((error as { code?: string }).code, 'NO_SAMPLES');
    assert.match((error as Error).message, /The val split is empty \(2 images in all\)/);
  }
});

Split('through the runtime: class counts per split and leak warnings are logged', async (ctx) => {
  const { m } = ctx;
  const dir = await tempDir('split');
  try {
    for (let i = 0; i < 10; i++) await writeGreyPng(path.join(dir, 'data', 'neg', `n${i}.png`), 60, i, 8);
    for (let i = 0; i < 5; i++) await writeGreyPng(path.join(dir, 'data', 'pos', `p${i}.png`), 180, 100 + i, 8);
    // Ten copies of one image among 15 positives: train holds 9 positives, so at least one copy
    // lands in val or test.
    for (let i = 0; i < 10; i++) await writeGreyPng(path.join(dir, 'data', 'pos', `dup${i}.png`), 180, 999, 8);
    const p = m
      .pipeline('split-log', { seed: 4 })
      .stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
      .stage(m.split({ fractions: { train: 0.6, val: 0.2, test: 0.2 } }));
    const run = await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out'), baseDir: dir });
    assertOk(run);
    const out = await loadOutput<SplitSet>(path.join(dir, 'cache'), 'split-log', 'split');
    const logs = logsOf(run.events, 'split');
    for (const name of ['train', 'val', 'test'] as const)
      assert.ok(logs.includes(`${name}: neg ${out.counts[name][0]}, pos ${out.counts[name][1]}`), logs.join(' | '));
    assert.equal(out.counts, { train: [6, 9], val: [2, 3], test: [2, 3] });
    const copiesOutsideTrain = [...out.val.samples, ...out.test.samples].filter((x) => x.id.startsWith('pos/dup')).length;
    assert.ok(copiesOutsideTrain >= 1);
    assert.is(out.audit.duplicateContent, copiesOutsideTrain);
    assert.ok(
      logs.some((l) => /leak audit: \d+ image\(s\) with identical pixels across splits/.test(l)),
      logs.join(' | '),
    );
    const done = run.events.find((e) => e.type === 'stage-done' && e.stage === 'split') as { summary?: string };
    assert.match(done.summary ?? '', /train 15 \/ val 5 \/ test 5; leak audit: \d+ duplicate image/);
  } finally {
    await removeDir(dir);
  }
});

Split.run();
