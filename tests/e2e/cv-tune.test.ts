// crossValidate and tune on a tiny synthetic set (100 grey 8x8 PNGs in train/val/test folders,
// groups that span train and val and mix labels), with a 2-filter tutorial CNN and 2 epochs.
import { suite } from 'uvu';
import { requires, sklearn } from '../helpers/requires.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunEvent } from '../../src/runtime/events.ts';
import type { SplitSet } from '../../src/data/image-set.ts';
import type { CrossValidated } from '../../src/train/cross-validate.ts';
import type { BinaryMetrics } from '../../src/metrics/index.ts';
import type { Tuned } from '../../src/train/tune.ts';
import type { BinaryEvaluated } from '../../src/report/evaluation.ts';
import {
  assertOk,
  loadMedpipe,
  loadOutput,
  prng,
  removeDir,
  runCollect,
  startedStages,
  tempDir,
  writeGreyPng,
  type Collected,
  type Medpipe,
} from '../helpers/core.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
  cv: Collected;
  tune: Collected;
}

const CV = suite<Ctx>('crossValidate and tune');
const FOLDS = 4;
const GROUP = '(g\\d+)_';

/**
 * `<root>/<split>/<class>/g<NN>_<i>.png`: a dark, b bright. Groups of 3 files; g08/g09 span a's train
 * and val, g10/g11 hold b's train images and a's val images (mixed labels, two splits). Test groups
 * are their own. `testSeed` changes only the test images' pixels (when the rest is copied over).
 */
async function makeData(root: string, testSeed = 0): Promise<void> {
  const plan: [split: string, cls: string, n: number, group: (i: number) => number][] = [
    ['train', 'a', 30, (i) => Math.floor(i / 3)],
    ['train', 'b', 30, (i) => 10 + Math.floor(i / 3)],
    ['val', 'a', 10, (i) => 8 + Math.floor(i / 3)],
    ['val', 'b', 10, (i) => 20 + Math.floor(i / 3)],
    ['test', 'a', 10, (i) => 30 + Math.floor(i / 3)],
    ['test', 'b', 10, (i) => 40 + Math.floor(i / 3)],
  ];
  let k = 0;
  const jitter = prng(77 + testSeed);
  for (const [split, cls, n, group] of plan) {
    for (let i = 0; i < n; i++) {
      const file = path.join(root, split, cls, `g${String(group(i)).padStart(2, '0')}_${split}${i}.png`);
      // Per-image brightness jitter makes the classes overlap, so folds score differently.
      const level = (cls === 'a' ? 120 : 132) + Math.round((jitter() - 0.5) * 24);
      await writeGreyPng(file, split === 'test' && testSeed ? 255 - level : level, 1000 * testSeed + k++, 8);
    }
  }
}

function cvPipeline(m: Medpipe, root: string) {
  return m
    .pipeline('cv', { seed: 3 })
    .stage(m.ingest.folder({ root, channels: 1, groupPattern: GROUP }))
    .stage(m.normalize({ method: 'rescale' }))
    .stage(m.split())
    .stage(m.build.tutorialCnn({ filters: [2, 2] }))
    .stage(m.crossValidate({ folds: FOLDS, fit: { epochs: 2, batchSize: 16 } }));
}

function tunePipeline(m: Medpipe) {
  return (
    m
      .pipeline('tune', { seed: 3 })
      .stage(m.ingest.folder({ root: 'data', channels: 1, groupPattern: GROUP }))
      .stage(m.normalize({ method: 'rescale' }))
      .stage(m.split())
      .stage(m.build.tutorialCnn({ filters: [2, 2] }))
      .stage(m.tune({ grid: { learningRate: [3e-2, 1e-4], batchSize: [16, 64] }, base: { epochs: 2 } }))
      // A fixed 0.5 so evaluate's validation metrics are tune's (its default picks a threshold on validation).
      .stage(m.evaluate({ png: false, gradCam: false, threshold: 0.5 }))
  );
}

const opts = (dir: string, out = 'out') => ({ cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, out), baseDir: dir });
const ids = (s: { samples: readonly { id: string }[] }) => s.samples.map((x) => x.id);

CV.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('cv-tune');
  await makeData(path.join(ctx.dir, 'data'));
  ctx.cv = await runCollect(cvPipeline(ctx.m, 'data'), opts(ctx.dir, 'out-cv'));
  assertOk(ctx.cv);
  ctx.tune = await runCollect(tunePipeline(ctx.m), opts(ctx.dir, 'out-tune'));
  assertOk(ctx.tune);
});
CV.after(async (ctx) => {
  await removeDir(ctx.dir);
});

CV('assignFolds: disjoint, complete, stratified to ±1 per class, groups whole, seeded', async () => {
  const { assignFolds } = await import('../../src/data/assign-bins.ts');
  const { createRng } = await import('../../src/base/rng.ts');
  const samples = Array.from({ length: 53 }, (_, i) => ({ id: `s${i}`, file: `s${i}`, label: i % 4 === 0 ? 1 : 0 }));
  const folds = assignFolds(samples, 5, { stratify: true, byGroup: true }, createRng(9));
  assert.is(folds.length, 5);
  assert.equal(
    folds.flat().sort((a, b) => a - b),
    samples.map((_, i) => i),
    'every sample in exactly one fold',
  );
  for (const label of [0, 1]) {
    const counts = folds.map((f) => f.filter((i) => samples[i]!.label === label).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `class ${label} per fold: ${counts}`);
  }
  assert.equal(assignFolds(samples, 5, {}, createRng(9)), folds, 'same seed, same folds');
  assert.not.equal(assignFolds(samples, 5, {}, createRng(10)), folds, 'another seed, other folds');
  const grouped = samples.map((s, i) => ({ ...s, group: `p${i % 11}` }));
  const gf = assignFolds(grouped, 5, { byGroup: true }, createRng(9));
  for (let g = 0; g < 11; g++) {
    const where = new Set(gf.flatMap((f, k) => (f.some((i) => grouped[i]!.group === `p${g}`) ? [k] : [])));
    assert.is(where.size, 1, `group p${g} in one fold`);
  }
});

CV('crossValidate: folds are disjoint, cover train+val exactly, stratified, keep groups, never see test', async (ctx) => {
  const data = await loadOutput<SplitSet>(path.join(ctx.dir, 'cache'), 'cv', 'split');
  const cv = await loadOutput<CrossValidated<BinaryMetrics>>(path.join(ctx.dir, 'cache'), 'cv', 'crossValidate');
  const pool = [...ids(data.train), ...ids(data.val)];
  const test = new Set(ids(data.test));
  assert.is(pool.length, 80);
  assert.is(test.size, 20);
  assert.is(cv.folds.length, FOLDS);
  const heldOut = cv.folds.flatMap((f) => f.heldOut);
  assert.is(new Set(heldOut).size, heldOut.length, 'no sample in two folds');
  assert.equal([...heldOut].sort(), [...pool].sort(), 'the folds are exactly train + val');
  assert.ok(heldOut.every((id) => !test.has(id)) && cv.predictions.every((p) => !test.has(p.id)), 'no test sample anywhere');
  assert.equal(cv.pooledFrom, { train: 60, val: 20 });
  for (const f of cv.folds) {
    assert.is(f.trainCount + f.innerValCount + f.heldOut.length, 80, 'each model trains on the other folds minus its inner validation split');
    assert.ok(f.innerValCount >= 8 && f.innerValCount <= 16, `inner validation about 20% of the other folds, got ${f.innerValCount}`);
  }
  // Groups: each group's files sit in one fold, also the ones spanning train and val.
  const groupOf = new Map([...data.train.samples, ...data.val.samples].map((s) => [s.id, s.group!]));
  const foldsOfGroup = new Map<string, Set<number>>();
  for (const f of cv.folds) for (const id of f.heldOut) foldsOfGroup.set(groupOf.get(id)!, (foldsOfGroup.get(groupOf.get(id)!) ?? new Set()).add(f.fold));
  assert.is(foldsOfGroup.size, 24);
  for (const [g, set] of foldsOfGroup) assert.is(set.size, 1, `group ${g} is in one fold`);
  assert.ok(
    pool.some((id) => id.startsWith('train/') && groupOf.get(id) === 'g08') && pool.some((id) => id.startsWith('val/') && groupOf.get(id) === 'g08'),
    'fixture: g08 spans train and val',
  );
  // Stratified: 40 per class over 4 folds is 10 each; units are up to 6 files, so each is within 6.
  for (const f of cv.folds) for (const n of f.counts) assert.ok(Math.abs(n - 10) <= 6, `fold ${f.fold} class counts ${f.counts}`);
  // One epoch event per epoch run, and progress notes that name the fold.
  const epochs = ctx.cv.events.filter((e) => e.type === 'epoch' && e.stage === 'crossValidate');
  assert.is(
    epochs.length,
    cv.folds.reduce((n, f) => n + f.epochsRun, 0),
  );
  const notes = new Set(ctx.cv.events.flatMap((e) => (e.type === 'stage-progress' && e.stage === 'crossValidate' && e.note ? [e.note] : [])));
  assert.equal(
    [...notes],
    Array.from({ length: FOLDS }, (_, i) => `fold ${i + 1}/${FOLDS}`),
  );
});

CV('crossValidate: per-fold metrics are binaryMetrics of the fold, mean ± sample std, pooled OOF AUC, exported files', async (ctx) => {
  const { binaryMetrics, rocAuc } = await import('../../src/metrics/index.ts');
  const cv = await loadOutput<CrossValidated<BinaryMetrics>>(path.join(ctx.dir, 'cache'), 'cv', 'crossValidate');
  const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
  for (const f of cv.folds) {
    const preds = cv.predictions.filter((p) => p.fold === f.fold);
    assert.equal(
      preds.map((p) => p.id),
      f.heldOut,
    );
    const expected = binaryMetrics(
      preds.map((p) => p.label),
      preds.map((p) => p.score),
      { threshold: 0.5, sensitivity: 0.8 },
    );
    assert.equal(json(f.metrics), json(expected), `fold ${f.fold}`);
    assert.ok(f.metrics.support.positive > 0 && f.metrics.support.negative > 0, 'both classes in every fold');
  }
  for (const key of ['auc', 'accuracy', 'precision', 'recall', 'specificity', 'f1'] as const) {
    const xs = cv.folds.map((f) => f.metrics[key]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
    assert.ok(Math.abs(cv.summary[key].mean - mean) < 1e-12, `${key} mean`);
    assert.ok(Math.abs(cv.summary[key].std - std) < 1e-12, `${key} std (n−1)`);
    assert.is(cv.summary[key].n, FOLDS);
  }
  assert.ok(
    new Set(cv.folds.map((f) => f.metrics.auc)).size > 1,
    `folds differ, so std is a real check: ${JSON.stringify(cv.folds.map((f) => [f.metrics.auc, f.metrics.accuracy, f.bestEpoch]))}`,
  );
  assert.is(
    cv.pooled.auc,
    rocAuc(
      cv.predictions.map((p) => p.label),
      cv.predictions.map((p) => p.score),
    ),
  );
  assert.ok(cv.pooled.auc > 0.5 && cv.pooled.auc < 1, `pooled AUC ${cv.pooled.auc}: learnt something, not trivially separable`);

  const out = path.join(ctx.dir, 'out-cv');
  const report = JSON.parse(await readFile(path.join(out, 'cv-metrics.json'), 'utf8')) as {
    folds: number;
    mean: Record<string, number>;
    std: Record<string, number>;
    pooledOutOfFoldAuc: number;
    pooledFrom: Record<string, number>;
  };
  assert.is(report.folds, FOLDS);
  assert.is(report.mean.auc, cv.summary.auc.mean);
  assert.is(report.std.f1, cv.summary.f1.std);
  assert.is(report.pooledOutOfFoldAuc, cv.pooled.auc);
  assert.equal(report.pooledFrom, { train: 60, val: 20, test: 0 });
  const rows = (await readFile(path.join(out, 'cv-folds.csv'), 'utf8'))
    .trim()
    .split('\n')
    .map((r) => r.split(','));
  assert.is(rows.length, 1 + FOLDS + 2);
  const auc = rows[0]!.indexOf('auc');
  assert.equal(
    rows.slice(1, 1 + FOLDS).map((r) => Number(r[auc])),
    cv.folds.map((f) => f.metrics.auc),
  );
  assert.equal(
    rows.slice(-2).map((r) => [r[0], Number(r[auc])]),
    [
      ['mean', cv.summary.auc.mean],
      ['std', cv.summary.auc.std],
    ],
  );
  assert.ok(existsSync(path.join(out, 'cv-predictions.csv')));
});

CV('crossValidate: changing every test image leaves the results unchanged (test is never read)', async (ctx) => {
  const other = path.join(ctx.dir, 'data2');
  await cp(path.join(ctx.dir, 'data', 'train'), path.join(other, 'train'), { recursive: true });
  await cp(path.join(ctx.dir, 'data', 'val'), path.join(other, 'val'), { recursive: true });
  await makeData(path.join(ctx.dir, 'data2-gen'), 7);
  await cp(path.join(ctx.dir, 'data2-gen', 'test'), path.join(other, 'test'), { recursive: true });
  const run = await runCollect(cvPipeline(ctx.m, 'data2'), opts(ctx.dir, 'out-cv2'));
  assertOk(run);
  assert.ok(startedStages(run.events).includes('crossValidate'), 'the split changed (new test pixels), so CV really ran again');
  const a = await loadOutput<CrossValidated<BinaryMetrics>>(path.join(ctx.dir, 'cache'), 'cv', 'crossValidate');
  const first = JSON.parse(await readFile(path.join(ctx.dir, 'out-cv', 'cv-metrics.json'), 'utf8')) as unknown;
  const second = JSON.parse(await readFile(path.join(ctx.dir, 'out-cv2', 'cv-metrics.json'), 'utf8')) as unknown;
  assert.equal(second, first);
  assert.ok(a.predictions.length === 80);
});

CV('tune: picks the argmax of val_auc, passes the winner on (evaluate scores it the same), never uses test', async (ctx) => {
  const cache = path.join(ctx.dir, 'cache');
  const data = await loadOutput<SplitSet>(cache, 'tune', 'split');
  const t = await loadOutput<Tuned>(cache, 'tune', 'tune');
  const e = await loadOutput<BinaryEvaluated>(cache, 'tune', 'evaluate');
  assert.is(t.tune.points.length, 4);
  assert.equal(
    t.tune.points.map((p) => p.params),
    [
      { learningRate: 3e-2, batchSize: 16 },
      { learningRate: 3e-2, batchSize: 64 },
      { learningRate: 1e-4, batchSize: 16 },
      { learningRate: 1e-4, batchSize: 64 },
    ],
  );
  const scores = t.tune.points.map((p) => p.val.val_auc!);
  assert.ok(new Set(scores).size > 1, `grid points differ: ${scores}`);
  const argmax = scores.indexOf(Math.max(...scores)) + 1;
  assert.is(t.tune.winner, argmax);
  assert.is(t.tune.monitor, 'val_auc');
  // The Trained part is the winner's.
  const w = t.tune.points[t.tune.winner - 1]!;
  assert.is(t.history.length, w.epochsRun);
  assert.is(t.bestEpoch, w.bestEpoch);
  assert.equal(t.info.classes, ['a', 'b']);
  // Scored on val only: the stored winner scores are the val samples.
  assert.equal(
    t.tune.valPredictions.map((p) => p.id),
    ids(data.val),
  );
  // evaluate after tune scores val with the passed-on model: the same numbers as the winner's.
  for (const key of ['auc', 'accuracy', 'f1', 'specificity'] as const) assert.is(e.validation[key], w.val[`val_${key}`], `validation ${key}`);
  const { binaryMetrics } = await import('../../src/metrics/index.ts');
  assert.is(
    binaryMetrics(
      t.tune.valPredictions.map((p) => p.label),
      t.tune.valPredictions.map((p) => p.score),
    ).auc,
    w.val.val_auc,
  );
  assert.is(e.predictions.length, 20, 'evaluate scored the 20 test images');
  const out = path.join(ctx.dir, 'out-tune');
  for (const f of ['tune-results.json', 'tune-results.csv', 'history.json', 'model/model.json', 'metrics.json']) assert.ok(existsSync(path.join(out, f)), f);
  const csv = (await readFile(path.join(out, 'tune-results.csv'), 'utf8')).trim().split('\n');
  assert.is(csv.length, 5);
  assert.equal(csv[0]!.split(',').slice(0, 4), ['point', 'winner', 'learningRate', 'batchSize'], 'a column per grid setting');
  assert.equal(
    csv.map((r) => r.split(',')[1]).slice(1),
    [1, 2, 3, 4].map((i) => (i === t.tune.winner ? '1' : '0')),
    'the winner row is marked',
  );
  const results = JSON.parse(await readFile(path.join(out, 'tune-results.json'), 'utf8')) as { winner: number; split: string };
  assert.equal([results.winner, results.split], [t.tune.winner, 'validation']);
});

CV('tune: monitor val_loss picks the argmin', async (ctx) => {
  const { tuneConfigSchema } = await import('../../src/train/tune-config.ts');
  assert.ok(tuneConfigSchema.safeParse({ grid: { epochs: [1] }, monitor: 'val_loss' }).success);
  const { binaryLogLoss } = await import('../../src/metrics/log-loss.ts');
  assert.ok(Math.abs(binaryLogLoss([1, 0], [0.8, 0.4]) - -(Math.log(0.8) + Math.log(0.6)) / 2) < 1e-12);
  const p = ctx.m
    .pipeline('tune-loss', { seed: 3 })
    .stage(ctx.m.ingest.folder({ root: 'data', channels: 1, groupPattern: GROUP }))
    .stage(ctx.m.normalize({ method: 'rescale' }))
    .stage(ctx.m.split())
    .stage(ctx.m.build.tutorialCnn({ filters: [2, 2] }))
    .stage(ctx.m.tune({ grid: { learningRate: [3e-2, 1e-4] }, monitor: 'val_loss', base: { epochs: 1, batchSize: 32 } }));
  const run = await runCollect(p, opts(ctx.dir, 'out-tune-loss'));
  assertOk(run);
  const t = await loadOutput<Tuned>(path.join(ctx.dir, 'cache'), 'tune-loss', 'tune');
  const losses = t.tune.points.map((q) => q.val.val_loss!);
  assert.ok(losses[0] !== losses[1]);
  assert.is(t.tune.winner, losses.indexOf(Math.min(...losses)) + 1);
  assert.is(t.tune.mode, 'min');
});

CV('a rerun of both pipelines is served from cache entirely', async (ctx) => {
  for (const [p, out] of [
    [cvPipeline(ctx.m, 'data'), 'out-cv'],
    [tunePipeline(ctx.m), 'out-tune'],
  ] as const) {
    const again = await runCollect(p, opts(ctx.dir, out));
    assertOk(again);
    assert.equal(startedStages(again.events), [], `${p.name}: nothing ran`);
    assert.is(again.done.cacheHits, p.stages.length);
  }
});

CV('config errors: every problem listed at once, before anything runs', async (ctx) => {
  const m = ctx.m;
  const start = m
    .pipeline('bad', { seed: 1 })
    .stage(m.ingest.folder({ root: 'data', channels: 1 }))
    .stage(m.split())
    .stage(m.build.tutorialCnn({ filters: [2, 2] }));
  const cv = await runCollect(
    start.stage(m.crossValidate({ folds: 1, fit: { epochs: 0, batchSize: 2.5 }, stratify: 'yes' as unknown as boolean })),
    opts(ctx.dir, 'out-bad'),
  );
  assert.is(cv.done.ok, false);
  assert.is(cv.done.error?.code, 'INVALID_PIPELINE');
  assert.equal(startedStages(cv.events), []);
  for (const text of [
    'crossValidate.folds: must be >= 2, got 1',
    'crossValidate.fit.epochs: must be > 0, got 0',
    'crossValidate.fit.batchSize: must be a whole number, got 2.5',
    "crossValidate.stratify: must be a boolean, got 'yes'",
  ]) {
    assert.ok(cv.done.error!.message.includes(text), `lists: ${text}\n${cv.done.error!.message}`);
  }
  const grid = { learningRate: [1e-2, 1e-3, 1e-4, -1, 3e-3], batchSize: [8, 16, 32, 64, 0], epochs: [1, 2, 3], bogus: [1] } as unknown as {
    learningRate: number[];
  };
  const t = await runCollect(start.stage(m.tune({ grid, monitor: 'val_dice' as 'val_auc', base: { epochs: -2 } })), opts(ctx.dir, 'out-bad'));
  assert.is(t.done.ok, false);
  for (const text of [
    'tune.grid.bogus: is not an option here',
    'tune.grid.learningRate[3]: must be > 0, got -1',
    'tune.grid.batchSize[4]: must be > 0, got 0',
    'grid has 75 combinations (5 learningRate × 5 batchSize × 3 epochs), more than 64',
    "tune.monitor: must be one of 'val_loss', 'val_auc'",
    'tune.base.epochs: must be > 0, got -2',
  ]) {
    assert.ok(t.done.error!.message.includes(text), `lists: ${text}\n${t.done.error!.message}`);
  }
  const empty = await runCollect(start.stage(m.tune({ grid: { classWeight: [] } })), opts(ctx.dir, 'out-bad'));
  assert.ok(empty.done.error!.message.includes('tune.grid.classWeight: must not be empty'), empty.done.error!.message);
});

CV('crossValidate: cancelling during fold 2 stops the run and caches nothing for it', async (ctx) => {
  const { runToCompletion } = await import('../../src/runtime/run.ts');
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const p = ctx.m
    .pipeline('cv-cancel', { seed: 4 })
    .stage(ctx.m.ingest.folder({ root: 'data', channels: 1, groupPattern: GROUP }))
    .stage(ctx.m.normalize({ method: 'rescale' }))
    .stage(ctx.m.split())
    .stage(ctx.m.build.tutorialCnn({ filters: [2, 2] }))
    .stage(ctx.m.crossValidate({ folds: 3, fit: { epochs: 3, batchSize: 16 } }));
  const done = await runToCompletion(p, { ...opts(ctx.dir, 'out-cancel'), signal: controller.signal }, (e) => {
    events.push(e);
    if (e.type === 'stage-progress' && e.note === 'fold 2/3') controller.abort();
  });
  assert.is(done.ok, false);
  assert.is(done.error?.code, 'CANCELLED');
  assert.not.ok(
    events.some((e) => e.type === 'stage-progress' && e.note === 'fold 3/3'),
    'fold 3 never started',
  );
  const status = await (await import('../../src/runtime/run.ts')).pipelineStatus(p, opts(ctx.dir, 'out-cancel'));
  assert.is(status.at(-1)!.state, 'stale');
});

requires(CV, sklearn())('tune → evaluate: metrics.json and validation-metrics.json recomputed by scikit-learn from the predictions', async ({ dir }) => {
  for (const out of ['out-tune']) assertEvaluationMatchesSklearn(path.join(dir, out));
});

CV.run();
