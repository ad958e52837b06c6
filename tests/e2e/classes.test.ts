// More than two classes, end to end on small synthetic sets: a 4-class folder (task inferred), numbered
// grade folders (ordinal), a multi-label CSV of findings; the files evaluate writes, every number of
// metrics.json recomputed by scikit-learn from predictions.csv, `medpipe predict` agreeing with
// predictions.csv, tune and crossValidate on K classes, and options of another task refused at run time
// (inferred task) and before anything runs (stated task).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  assertOk,
  cachedStages,
  loadMedpipe,
  logsOf,
  medpipeCli,
  removeDir,
  runCollect,
  startedStages,
  tempDir,
  writeGreyPng,
  type Medpipe,
} from '../helpers/core.ts';
import { requires, sklearn } from '../helpers/requires.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

const C = suite<Ctx>('K classes, grades and findings end to end');
const SIZE = 12;
const CLASSES = ['glioma', 'meningioma', 'notumor', 'pituitary'];

/** `<root>/<split>/<class>/<i>.png`, class c a grey level of its own (with noise). */
async function classFolders(root: string, classes: readonly string[], perSplit: Readonly<Record<string, number>>): Promise<void> {
  for (const [split, n] of Object.entries(perSplit)) {
    for (const [c, name] of classes.entries()) {
      for (let i = 0; i < n; i++)
        await writeGreyPng(path.join(root, split, name, `${i}.png`), 40 + (180 * c) / (classes.length - 1), c * 1000 + i + (split === 'test' ? 500 : 0), SIZE);
    }
  }
}

const options = (dir: string, out: string) => ({ cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, out), baseDir: dir });
const tiny = (m: Medpipe) => m.build.tutorialCnn({ filters: [2, 2], batchNormMomentum: 0.9 });

C.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('classes');
  await classFolders(path.join(ctx.dir, 'tumours'), CLASSES, { train: 10, test: 5 });
  await classFolders(path.join(ctx.dir, 'grades'), ['0', '1', '2'], { train: 10, test: 5 });
  // Findings: effusion (bright left half), nodule (bright right half); any number per image.
  const rows = ['path,label'];
  for (let i = 0; i < 48; i++) {
    const findings = [i % 2 === 0 ? 'effusion' : '', i % 3 === 0 ? 'nodule' : ''].filter(Boolean);
    const file = `xr/${i}.png`;
    await writeGreyPng(path.join(ctx.dir, file), 60 + 60 * findings.length + (findings.includes('nodule') ? 30 : 0), 9000 + i, SIZE);
    rows.push(`${file},${findings.join('|')}`);
  }
  await writeFile(path.join(ctx.dir, 'findings.csv'), rows.join('\n') + '\n');
});
C.after(async (ctx) => removeDir(ctx.dir));

C(
  'four class folders: task multiclass inferred, K-way head, metrics.json, predictions.csv with a probability per class, plots; cached rerun',
  async ({ m, dir }) => {
    const p = m
      .pipeline('tumours', { seed: 3 })
      .stage(m.ingest.folder({ root: 'tumours', size: [SIZE, SIZE], channels: 1 }))
      .stage(m.normalize({ method: 'zscore', scope: 'dataset' }))
      .stage(m.augment({ rotation: 5, horizontalFlip: true }))
      .stage(m.split())
      .stage(tiny(m))
      .stage(m.fit({ epochs: 2, batchSize: 8, oversample: true }))
      .stage(m.evaluate({ gradCam: 4, png: false }));
    const first = await runCollect(p, options(dir, 'out-tumours'));
    assertOk(first);
    assert.ok(
      logsOf(first.events, 'ingest').some((l) => /4 classes \(glioma, meningioma, notumor, pituitary\): task multiclass \(softmax over 4\)/.test(l)),
      'ingest says which task it inferred',
    );
    const epochs = first.events.filter((e) => e.type === 'epoch');
    assert.ok(epochs.every((e) => e.type === 'epoch' && 'val_auc' in e.logs && 'val_balanced_accuracy' in e.logs && 'val_kappa' in e.logs));
    const out = path.join(dir, 'out-tumours');
    for (const file of [
      'metrics.json',
      'validation-metrics.json',
      'predictions.csv',
      'validation-predictions.csv',
      'classification_report.txt',
      'curves.json',
      'model/model.json',
    ])
      assert.ok(existsSync(path.join(out, file)), file);
    for (const plot of ['confusion_matrix', 'confusion_matrix_normalized', 'roc', 'pr', 'per_class_metrics', 'loss', 'metrics'])
      assert.ok(existsSync(path.join(out, 'plots', `${plot}.svg`)), `plots/${plot}.svg`);
    assert.ok(existsSync(path.join(out, 'plots', 'gradcam', 'index.csv')));
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    assert.is(metrics.task, 'multiclass');
    assert.equal(metrics.classes, CLASSES);
    assert.is(metrics.n, 20);
    assert.equal(Object.keys(metrics.perClass), CLASSES);
    assert.equal(Object.keys(metrics.topKAccuracy), ['2', '3']);
    assert.is(
      metrics.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0),
      20,
    );
    assert.ok(metrics.definitions.auc.includes("roc_auc_score(multi_class='ovr', average='macro')"));
    assert.is(metrics.positiveClass, undefined, 'no single positive class');
    const csv = (await readFile(path.join(out, 'predictions.csv'), 'utf8')).trim().split('\n');
    assert.is(csv[0], 'id,file,label,true_class,p_glioma,p_meningioma,p_notumor,p_pituitary,predicted,predicted_class');
    for (const row of csv.slice(1)) {
      const cells = row.split(',');
      const probabilities = cells.slice(4, 8).map(Number);
      assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'a softmax row sums to 1');
      assert.is(Number(cells[8]), probabilities.indexOf(Math.max(...probabilities)));
      assert.is(cells[9], CLASSES[Number(cells[8])]);
    }
    const report = await readFile(path.join(out, 'classification_report.txt'), 'utf8');
    for (const name of [...CLASSES, 'macro avg', 'weighted avg']) assert.match(report, name);
    const grads = (await readFile(path.join(out, 'plots', 'gradcam', 'index.csv'), 'utf8')).trim().split('\n');
    assert.is(grads[0], 'file,index,id,label,predicted,explained,probability,outcome,strength');
    assert.is(grads.length, 5);

    // `medpipe predict` on the test folder: every class probability, as predictions.csv has them.
    const predicted = await medpipeCli(['predict', path.join(out, 'model'), path.join(dir, 'tumours', 'test')]);
    assert.is(predicted.code, 0, predicted.stderr);
    const lines = predicted.stdout.trim().split('\n');
    assert.is(lines[0], 'file\tp_glioma\tp_meningioma\tp_notumor\tp_pituitary\tpredicted');
    const byFile = new Map(csv.slice(1).map((row) => [row.split(',')[1]!, row.split(',')] as const));
    for (const line of lines.slice(1)) {
      const [file, ...rest] = line.split('\t');
      const row = byFile.get(path.relative(path.join(dir, 'tumours'), file!))!;
      rest.slice(0, 4).forEach((p, j) => assert.ok(Math.abs(Number(p) - Number(row[4 + j])) <= 1e-6, `${file} p_${CLASSES[j]}`));
      assert.is(rest[4], row[9]);
    }

    // The run history holds the K-class numbers (from metrics.json): `medpipe runs` shows the macro AUC.
    const runs = await medpipeCli(['runs', '--cache', path.join(dir, 'cache')]);
    assert.is(runs.code, 0, runs.stderr);
    assert.match(runs.stdout, new RegExp(`\\stumours\\s.*\\s${metrics.auc.toFixed(4)}`));
    // …and its class-evaluation.json: `medpipe report` rebuilds the K-class report.html from the history alone.
    const written = await readFile(path.join(out, 'report.html'), 'utf8');
    const rebuilt = path.join(dir, 'rebuilt.html');
    const rebuiltReport = await medpipeCli(['report', 'latest', '--cache', path.join(dir, 'cache'), '--out', rebuilt]);
    assert.is(rebuiltReport.code, 0, rebuiltReport.stderr);
    assert.is(await readFile(rebuilt, 'utf8'), written, 'the same page as the run wrote');

    const again = await runCollect(p, options(dir, 'out-tumours'));
    assertOk(again);
    assert.equal(cachedStages(again.events), ['ingest', 'normalize', 'augment', 'split', 'build', 'fit', 'evaluate']);
  },
);

C('fit({ ensemble: 3 }): three members with their own seeds averaged into one model; evaluate, Grad-CAM (member 1) and predict use it', async ({ m, dir }) => {
  const p = m
    .pipeline('tumours-ensemble', { seed: 3 })
    .stage(m.ingest.folder({ root: 'tumours', size: [SIZE, SIZE], channels: 1 }))
    .stage(m.normalize({ method: 'zscore', scope: 'dataset' }))
    .stage(m.split())
    .stage(tiny(m))
    .stage(m.fit({ epochs: 2, batchSize: 8, ensemble: 3 }))
    .stage(m.evaluate({ gradCam: 2, png: false }));
  const out = path.join(dir, 'out-ensemble');
  const run = await runCollect(p, options(dir, 'out-ensemble'));
  assertOk(run);
  const summary = run.events.find((e) => e.type === 'stage-done' && e.stage === 'fit') as { summary?: string } | undefined;
  assert.match(summary?.summary ?? '', /^ensemble of 3 averaged; member best epochs \d, \d, \d/);
  const model = JSON.parse(await readFile(path.join(out, 'model', 'model.json'), 'utf8'));
  const text = JSON.stringify(model.modelTopology);
  for (const name of ['member_1', 'member_2', 'member_3', 'ensemble_mean']) assert.ok(text.includes(`"${name}"`), name);
  const grads = (await readFile(path.join(out, 'plots', 'gradcam', 'index.csv'), 'utf8')).trim().split('\n');
  assert.is(grads.length, 3, 'two Grad-CAM pictures');
  const evaluation = JSON.parse(await readFile(path.join(out, 'class-evaluation.json'), 'utf8'));
  assert.ok(evaluation.gradCam.examples.length === 2);
  const csv = (await readFile(path.join(out, 'predictions.csv'), 'utf8')).trim().split('\n');
  const predicted = await medpipeCli(['predict', path.join(out, 'model'), path.join(dir, 'tumours', 'test')]);
  assert.is(predicted.code, 0, predicted.stderr);
  const byFile = new Map(csv.slice(1).map((row) => [row.split(',')[1]!, row.split(',')] as const));
  for (const line of predicted.stdout.trim().split('\n').slice(1)) {
    const [file, ...rest] = line.split('\t');
    const row = byFile.get(path.relative(path.join(dir, 'tumours'), file!))!;
    rest.slice(0, 4).forEach((q, j) => assert.ok(Math.abs(Number(q) - Number(row[4 + j])) <= 1e-6, `${file} p_${CLASSES[j]}`));
  }
});

C(
  'numbered grade folders: task ordinal (said so), quadratic-weighted kappa and grade error reported; test-time flips repeated by predict',
  async ({ m, dir }) => {
    const p = m
      .pipeline('grades', { seed: 5 })
      .stage(m.ingest.folder({ root: 'grades', size: [SIZE, SIZE], channels: 1 }))
      .stage(m.normalize())
      .stage(m.split())
      .stage(tiny(m))
      .stage(m.fit({ epochs: 2, batchSize: 8, earlyStopping: { monitor: 'val_qwk' } }))
      .stage(m.evaluate({ gradCam: false, png: false, testTimeAugmentation: { horizontalFlip: true, verticalFlip: true } }));
    const run = await runCollect(p, options(dir, 'out-grades'));
    assertOk(run);
    assert.ok(logsOf(run.events, 'ingest').some((l) => /named as grades \(0, 1, 2\): task ordinal/.test(l)));
    const metrics = JSON.parse(await readFile(path.join(dir, 'out-grades', 'metrics.json'), 'utf8'));
    assert.is(metrics.task, 'ordinal');
    for (const key of ['quadraticWeightedKappa', 'meanAbsoluteError', 'withinOneGradeAccuracy']) assert.type(metrics[key], 'number', key);
    const history = JSON.parse(await readFile(path.join(dir, 'out-grades', 'history.json'), 'utf8'));
    assert.ok('val_qwk' in history[0] && 'val_mae' in history[0]);
    assert.match(metrics.testTimeAugmentation, /mean of the model's outputs over the image and .* \(4 copies/);

    // predict averages over the same four copies: it matches predictions.csv, and the same model
    // without the flips in its metadata does not (so the comparison can tell).
    const csv = (await readFile(path.join(dir, 'out-grades', 'predictions.csv'), 'utf8')).trim().split('\n').slice(1);
    const byFile = new Map(csv.map((row) => [row.split(',')[1]!, row.split(',').slice(4, 7).map(Number)] as const));
    const largestDifference = async (model: string) => {
      const predicted = await medpipeCli(['predict', model, path.join(dir, 'grades', 'test')]);
      assert.is(predicted.code, 0, predicted.stderr);
      let largest = 0;
      for (const line of predicted.stdout.trim().split('\n').slice(1)) {
        const [file, ...rest] = line.split('\t');
        const expected = byFile.get(path.relative(path.join(dir, 'grades'), file!))!;
        rest.slice(0, 3).forEach((p, j) => (largest = Math.max(largest, Math.abs(Number(p) - expected[j]!))));
      }
      return largest;
    };
    assert.ok((await largestDifference(path.join(dir, 'out-grades', 'model'))) <= 1e-6, 'predict repeats the flips');
    const plain = path.join(dir, 'grades-plain-model');
    await cp(path.join(dir, 'out-grades', 'model'), plain, { recursive: true });
    const json = JSON.parse(await readFile(path.join(plain, 'model.json'), 'utf8'));
    assert.equal(json.userDefinedMetadata.medpipe.tta, { horizontalFlip: true, verticalFlip: true });
    delete json.userDefinedMetadata.medpipe.tta;
    await writeFile(path.join(plain, 'model.json'), JSON.stringify(json));
    assert.ok((await largestDifference(plain)) > 1e-6, 'without the flips the scores differ');
  },
);

C('a multi-label CSV: K sigmoids, per-finding thresholds chosen on validation, findings metrics; predict lists the findings', async ({ m, dir }) => {
  const p = m
    .pipeline('findings', { seed: 7 })
    .stage(m.ingest.csv({ csv: 'findings.csv', size: [SIZE, SIZE], channels: 1 }))
    .stage(m.normalize())
    .stage(m.split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }))
    .stage(tiny(m))
    .stage(m.fit({ epochs: 2, batchSize: 8, classWeight: 'balanced' }))
    .stage(m.evaluate({ gradCam: 2, png: false }));
  const run = await runCollect(p, options(dir, 'out-findings'));
  assertOk(run);
  assert.ok(logsOf(run.events, 'ingest').some((l) => /2 findings \(effusion, nodule\), any number per image: task multilabel/.test(l)));
  const out = path.join(dir, 'out-findings');
  const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
  assert.is(metrics.task, 'multilabel');
  assert.equal(Object.keys(metrics.thresholds), ['effusion', 'nodule']);
  assert.match(metrics.thresholdSource, /chosen per finding on the validation split for the highest F1/);
  for (const key of ['auc', 'microAuc', 'hammingLoss', 'subsetAccuracy']) assert.type(metrics[key], 'number', key);
  const header = (await readFile(path.join(out, 'predictions.csv'), 'utf8')).split('\n')[0];
  assert.is(header, 'id,file,y_effusion,y_nodule,p_effusion,p_nodule,pred_effusion,pred_nodule');
  const predicted = await medpipeCli(['predict', path.join(out, 'model'), path.join(dir, 'xr', '0.png')]);
  assert.is(predicted.code, 0, predicted.stderr);
  assert.match(predicted.stdout, /^file\tp_effusion\tp_nodule\tfindings\n/);
});

requires(C, sklearn())('every number of metrics.json and validation-metrics.json equals scikit-learn recomputed from the predictions', ({ dir }) => {
  for (const out of ['out-tumours', 'out-grades', 'out-findings']) assertEvaluationMatchesSklearn(path.join(dir, out));
});

C('tune and crossValidate on K classes: ranked by the macro AUC, summarised per fold', async ({ m, dir }) => {
  const base = m
    .pipeline('tumours-tune', { seed: 3 })
    .stage(m.ingest.folder({ root: 'tumours', size: [SIZE, SIZE], channels: 1 }))
    .stage(m.normalize())
    .stage(m.split())
    .stage(tiny(m));
  const tuned = await runCollect(
    base
      .stage(m.tune({ grid: { learningRate: [1e-2, 1e-3] }, monitor: 'val_balancedAccuracy', base: { epochs: 1, batchSize: 8 } }))
      .stage(m.evaluate({ gradCam: false, png: false })),
    options(dir, 'out-tune'),
  );
  assertOk(tuned);
  const results = (await readFile(path.join(dir, 'out-tune', 'tune-results.csv'), 'utf8')).split('\n')[0]!;
  assert.match(results, /val_loss,val_auc,val_accuracy,val_balancedAccuracy,val_kappa,val_macroF1,val_weightedF1,val_logLoss$/);
  const cv = await runCollect(base.stage(m.crossValidate({ folds: 2, fit: { epochs: 1, batchSize: 8 } })), options(dir, 'out-cv'));
  assertOk(cv);
  const report = JSON.parse(await readFile(path.join(dir, 'out-cv', 'cv-metrics.json'), 'utf8'));
  assert.is(report.task, 'multiclass');
  assert.equal(Object.keys(report.mean), ['auc', 'accuracy', 'balancedAccuracy', 'kappa', 'macroF1', 'weightedF1', 'logLoss']);
  assert.is(report.perFold.length, 2);
  const predictions = (await readFile(path.join(dir, 'out-cv', 'cv-predictions.csv'), 'utf8')).split('\n')[0];
  assert.is(predictions, 'id,file,label,p_glioma,p_meningioma,p_notumor,p_pituitary,fold');
});

C('options of another task: refused when evaluate meets the inferred task, and before anything runs when the task is stated', async ({ m, dir }) => {
  const inferred = m
    .pipeline('tumours-wrong', { seed: 3 })
    .stage(m.ingest.folder({ root: 'tumours', size: [SIZE, SIZE], channels: 1 }))
    .stage(m.split())
    .stage(tiny(m))
    .stage(m.fit({ epochs: 1 }))
    .stage(m.evaluate({ threshold: 0.3 }));
  const run = await runCollect(inferred, options(dir, 'out-wrong'));
  assert.is(run.done.ok, false);
  assert.match(run.done.error?.message ?? '', /evaluate\.threshold is for binary and multilabel tasks, but this one is multiclass/);
  const stated = m
    .pipeline('tumours-stated')
    .stage(m.ingest.folder({ root: 'tumours', task: 'multiclass' }))
    .stage(m.split())
    .stage(tiny(m))
    // @ts-expect-error the types refuse it too (tests/types/tasks.ts); the run-time check is for plain JavaScript
    .stage(m.fit({ loss: 'binaryCrossentropy' }))
    .stage(m.evaluate({ positiveClass: 'glioma' } as never));
  const refused = await runCollect(stated as never, options(dir, 'out-stated'));
  assert.is(refused.done.ok, false);
  assert.equal(startedStages(refused.events), [], 'nothing ran');
  const { pipelineProblems } = await import('../../src/runtime/validate.ts');
  const issues = pipelineProblems(stated as never, { baseDir: dir }).problems;
  assert.ok(
    issues.some((i) => /fit\.loss 'binaryCrossentropy' is for binary and multi-label tasks.*\(the ingest states task 'multiclass'\)/.test(i)),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((i) => /evaluate\.positiveClass is for binary tasks/.test(i)),
    issues.join('\n'),
  );
});

C.run();
