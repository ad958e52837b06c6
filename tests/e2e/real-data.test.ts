// End to end on a slice of the real PneumoniaMNIST PNGs: ingest → normalize → augment → split →
// build → fit → evaluate with a tiny model, then the user-facing files, a cached rerun, and one
// changed PNG decoding exactly one file. Needs ../shared/data (present in CI; skipped elsewhere).
import { assertPredictMatchesPredictions } from '../helpers/predict-check.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { medpipeCli, cachedStages, copyRealSlice, decodedCount, runOk, startedStages } from '../helpers/core.ts';
import { realData, requires, sklearn } from '../helpers/requires.ts';
import { runSuite } from '../helpers/run-suite.ts';

const E2E = runSuite('end to end on a real data slice (PneumoniaMNIST PNGs)', 'e2e');
const PER_CLASS = { train: 60, val: 20, test: 30 } as const;

requires(E2E, realData('pneumoniamnist', 'images'))(
  'real slice through evaluate: metrics, predictions, history, model, plots; then cached; then one changed PNG',
  async (ctx) => {
    const { m, dir } = ctx;
    const n = await copyRealSlice(path.join(dir, 'data'), PER_CLASS);
    assert.is(n, 2 * (60 + 20 + 30));
    const p = m
      .pipeline('e2e', { seed: 11 })
      .stage(m.ingest.folder({ root: 'data', size: [28, 28], channels: 1, classes: ['normal', 'pneumonia'] }))
      .stage(m.normalize({ method: 'rescale' }))
      .stage(m.augment({ rotation: 5 }))
      .stage(m.split())
      .stage(m.build.tutorialCnn({ filters: [4, 4] }))
      .stage(m.fit({ epochs: 2, batchSize: 32, earlyStopping: false }))
      .stage(m.evaluate({ png: false }));
    const options = { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out'), baseDir: dir };

    // Jobs of 64 files: the slice ingests as several jobs, each reported as it ends (28x28 records
    // make jobs of about 1024 files by default: one job here).
    process.env.MEDPIPE_SHARD_FILES = '64';
    const first = await runOk(p, options).finally(() => delete process.env.MEDPIPE_SHARD_FILES);
    assert.equal(startedStages(first.events), ['ingest', 'normalize', 'augment', 'split', 'build', 'fit', 'evaluate']);
    assert.is(decodedCount(first.events), n);
    assert.is(first.events.filter((e) => e.type === 'epoch').length, 2);
    const progress = first.events.filter((e) => e.type === 'stage-progress' && e.stage === 'ingest');
    assert.ok(progress.length >= 2, 'ingest streams progress while decoding');

    const out = path.join(dir, 'out');
    for (const file of [
      'metrics.json',
      'validation-metrics.json',
      'predictions.csv',
      'history.json',
      'curves.json',
      'classification_report.txt',
      'model/model.json',
      'model/weights.bin',
      'plots/roc.svg',
      'run.json',
    ]) {
      assert.ok(existsSync(path.join(out, file)), `out/${file} exists`);
    }
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')) as Record<string, number | string>;
    assert.is(metrics.split, 'test');
    assert.is(metrics.positiveClass, 'pneumonia');
    assert.is(
      (metrics.tp as number) + (metrics.fp as number) + (metrics.tn as number) + (metrics.fn as number),
      60,
      'the 60 test images (kept from the test folders)',
    );
    assert.ok((metrics.auc as number) >= 0 && (metrics.auc as number) <= 1);
    const predictions = (await readFile(path.join(out, 'predictions.csv'), 'utf8')).trim().split('\n');
    assert.is(predictions[0], 'id,file,label,score,predicted');
    assert.is(predictions.length, 61);
    assert.ok(
      predictions.slice(1).every((row) => row.startsWith('test/')),
      'only test images are scored for metrics',
    );
    const history = JSON.parse(await readFile(path.join(out, 'history.json'), 'utf8')) as { epoch: number; loss: number }[];
    assert.equal(
      history.map((h) => h.epoch),
      [1, 2],
    );
    assert.ok(history.every((h) => Number.isFinite(h.loss)));
    const model = JSON.parse(await readFile(path.join(out, 'model', 'model.json'), 'utf8')) as { userDefinedMetadata?: { medpipe?: { classes: string[] } } };
    assert.equal(model.userDefinedMetadata?.medpipe?.classes, ['normal', 'pneumonia'], 'the model carries what predict needs');
    assert.match(await readFile(path.join(out, 'plots', 'roc.svg'), 'utf8'), /<svg/);

    // `medpipe predict` on the test folder gives every test image the score predictions.csv has for it.
    const predictOut = await medpipeCli(['predict', path.join(out, 'model'), path.join(dir, 'data', 'test')], { cwd: dir });
    assert.is(predictOut.code, 0, predictOut.stderr);
    await assertPredictMatchesPredictions(predictOut.stdout, path.join(out, 'predictions.csv'), path.join(dir, 'data'));

    // Again: everything cached, the same metrics.
    const second = await runOk(p, options);
    assert.equal(cachedStages(second.events), ['ingest', 'normalize', 'augment', 'split', 'build', 'fit', 'evaluate']);
    assert.equal(JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')), metrics);

    // Change one real PNG's bytes (darken it): exactly one decode.
    const sharp = (await import('sharp')).default;
    const target = path.join(dir, 'data', 'train', 'normal', readdirSync(path.join(dir, 'data', 'train', 'normal')).sort()[5]!);
    const darker = await sharp(await readFile(target))
      .linear(0.5, 0)
      .png()
      .toBuffer();
    await writeFile(target, darker);
    const third = await runOk(p, options);
    assert.is(decodedCount(third.events), 1);
    assert.equal(startedStages(third.events).slice(0, 1), ['ingest']);
  },
);

requires(
  E2E,
  realData('pneumoniamnist', 'images'),
  sklearn(),
)('real slice: metrics.json and validation-metrics.json recomputed by scikit-learn from the predictions', async ({ dir }) => {
  for (const out of ['out']) assertEvaluationMatchesSklearn(path.join(dir, out));
});

E2E.run();
