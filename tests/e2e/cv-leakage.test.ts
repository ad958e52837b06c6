// crossValidate scores the held-out fold only: with the labels of one fold shuffled (folds given by a
// CSV `fold` column), that fold's reported AUC drops to chance while the others, whose labels are
// real, stay high; early stopping watched an inner validation split with real labels (its val_auc
// is high even for the shuffled fold, which it would not be if it had watched the held-out fold);
// z-score statistics are refitted inside each fold.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CrossValidated } from '../../src/train/cross-validate.ts';
import { imageSetFromArrays } from '../../src/data/store/from-arrays.ts';
import { foldData, foldsByAttribute } from '../../src/train/fold-data.ts';
import { assertOk, loadMedpipe, loadOutput, pixelsOf, prng, removeDir, runCollect, tempDir, writeGreyPng } from '../helpers/core.ts';
import { failure, throwsCode } from '../helpers/expect-error.ts';

const F = suite('fold data');

F("each fold refits the dataset z-score on its inner training part (not on split's statistics) and applies it to all three parts", async () => {
  const dir = await tempDir('fold-data');
  try {
    const rand = prng(3);
    const raw = Float32Array.from({ length: 6 * 4 }, () => 50 + Math.round(rand() * 100));
    const samples = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, file: `s${i}`, label: i % 2 }));
    // split's statistics, deliberately not those of any fold's training part.
    const splitFit = { step: 'normalize', method: 'zscore', scope: 'dataset', fittedOn: 'train', mean: [10], std: [3], perChannel: false } as const;
    const set = await imageSetFromArrays(path.join(dir, 'objects'), { classes: ['a', 'b'], shape: [2, 2, 1], samples, pixels: raw, preprocessing: [splitFit] });
    const pool = { samples: set.samples, table: set.table };
    const fold = await foldData(set, pool, { train: [0, 1, 2], val: [3], heldOut: [4, 5] });
    const train = Array.from(raw.subarray(0, 12));
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / train.length);
    assert.ok(Math.abs(fold.normalization[0]!.mean[0]! - mean) < 1e-9, 'mean fitted on the inner training part only');
    assert.ok(Math.abs(fold.normalization[0]!.std[0]! - std) < 1e-9, 'population std of the inner training part');
    const held = await pixelsOf({ ...set, preprocessing: fold.preprocessing }, fold.heldOut.table);
    held.forEach((v, k) => assert.ok(Math.abs(v - (raw[16 + k]! - mean) / std) < 1e-5, `held-out pixel ${k} normalised with the fold statistics`));
    assert.equal(
      fold.heldOut.samples.map((s) => s.id),
      ['s4', 's5'],
    );
    const error = await failure(() => foldData(set, pool, { train: [0, 4], val: [3], heldOut: [4, 5] }));
    assert.is(error.code, 'INTERNAL');
    assert.match(error.message, /held-out sample/);
  } finally {
    await removeDir(dir);
  }
});

F('foldBy: one fold per value; a missing value is an error with the fix', () => {
  const samples = ['b', 'a', 'b', 'c'].map((site, i) => ({ id: `s${i}`, file: `s${i}`, label: 0, attributes: { site } }));
  assert.equal(foldsByAttribute(samples, 'site'), { folds: [[1], [0, 2], [3]], values: ['a', 'b', 'c'] });
  throwsCode(() => foldsByAttribute([...samples, { id: 'x', file: 'x', label: 1 }], 'site'), 'INVALID_CONFIG', /no value/);
});

interface Ctx {
  dir: string;
  cv: CrossValidated;
}

const L = suite<Ctx>('crossValidate: the held-out fold is only scored');
const PER_FOLD = 150;

L.before(async (ctx) => {
  ctx.dir = await tempDir('cv-leak');
  const rand = prng(11);
  const rows = ['path,label,split,fold'];
  let k = 0;
  for (let fold = 1; fold <= 4; fold++) {
    const truth = Array.from({ length: PER_FOLD }, (_, i) => (i % 2 ? 'b' : 'a'));
    // Fold 1's labels are a random permutation of its real ones: same class counts, no relation to the image.
    const labels = fold === 1 ? [...truth].sort(() => rand() - 0.5) : truth;
    for (let i = 0; i < PER_FOLD; i++) {
      const file = `img/f${fold}_${i}.png`;
      await writeGreyPng(path.join(ctx.dir, file), (truth[i] === 'b' ? 140 : 110) + Math.round((rand() - 0.5) * 40), k++, 8);
      rows.push(`${file},${labels[i]},${i < PER_FOLD * 0.8 ? 'train' : 'val'},${fold}`);
    }
  }
  for (let i = 0; i < 20; i++) {
    const file = `img/test_${i}.png`;
    await writeGreyPng(path.join(ctx.dir, file), i % 2 ? 140 : 110, k++, 8);
    rows.push(`${file},${i % 2 ? 'b' : 'a'},test,`);
  }
  await writeFile(path.join(ctx.dir, 'data.csv'), rows.join('\n') + '\n');
  const m = await loadMedpipe();
  const p = m
    .pipeline('leak', { seed: 4 })
    .stage(m.ingest.csv({ csv: 'data.csv', size: [8, 8], channels: 1 }))
    .stage(m.normalize({ method: 'zscore', scope: 'dataset' }))
    .stage(m.split())
    .stage(m.build.tutorialCnn({ filters: [4, 4], batchNormMomentum: 0.5, dropout: 0 }))
    .stage(
      m.crossValidate({
        foldBy: 'fold',
        fit: { epochs: 8, batchSize: 32, earlyStopping: { monitor: 'val_auc', mode: 'max', patience: 3, restoreBestWeights: true } },
      }),
    );
  const cache = path.join(ctx.dir, 'cache');
  assertOk(await runCollect(p, { cacheDir: cache, outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir }));
  ctx.cv = await loadOutput<CrossValidated>(cache, 'leak', 'crossValidate');
});
L.after(async (ctx) => {
  await removeDir(ctx.dir);
});

L('the shuffled fold scores at chance, the others well; early stopping watched real labels', (ctx) => {
  const { cv } = ctx;
  assert.equal(
    cv.folds.map((f) => f.value),
    ['1', '2', '3', '4'],
  );
  const [shuffled, ...real] = cv.folds;
  console.log(
    cv.folds
      .map((f) => `fold ${f.value}: auc ${f.metrics.auc.toFixed(3)}, early-stopping val_auc ${f.history[f.bestEpoch - 1]!.val_auc!.toFixed(3)}`)
      .join('; '),
  );
  assert.ok(Math.abs(shuffled!.metrics.auc - 0.5) < 0.15, `fold with shuffled held-out labels: AUC ${shuffled!.metrics.auc} should be near 0.5`);
  for (const f of real) assert.ok(f.metrics.auc > 0.85, `fold ${f.value}: AUC ${f.metrics.auc}`);
  for (const f of cv.folds) {
    const best = f.history[f.bestEpoch - 1]!;
    assert.ok(best.val_auc! > 0.65, `fold ${f.value}: early stopping's val_auc ${best.val_auc} comes from an inner split with (mostly) real labels`);
    assert.is(f.trainCount + f.innerValCount + f.heldOut.length, 4 * PER_FOLD);
  }
});

L('z-score statistics differ per fold (fitted inside it) and are reported', async (ctx) => {
  const means = ctx.cv.folds.map((f) => f.normalization[0]!.mean[0]!);
  assert.is(new Set(means).size, 4, `one fit per fold: ${means}`);
  const report = JSON.parse(await readFile(path.join(ctx.dir, 'out', 'cv-metrics.json'), 'utf8')) as {
    foldBy: string;
    perFold: { innerValCount: number; normalization: unknown[] }[];
    definitions: { training: string };
  };
  assert.is(report.foldBy, 'fold');
  assert.ok(report.perFold.every((f) => f.innerValCount > 0 && f.normalization.length === 1));
  assert.match(report.definitions.training, /held-out fold is only scored/);
});

F.run();
L.run();
