// More than two classes on the shared real sets, small enough for CI: RetinaMNIST (5 diabetic
// retinopathy grades, ingest.npz, task ordinal) and a slice of the brain-tumour MRI set (4 classes,
// Training/ carved into train/val, Testing/ as test, read in place through a CSV) with Training/Testing
// duplicates in it, which the leak audit and metrics.json's leakage must find; then `medpipe init` on a
// folder of that slice (symlinks to the real files) writes a multi-class pipeline fitted to it.
// Every number of metrics.json is recomputed by scikit-learn from predictions.csv. Needs ../shared/data.
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk, loadMedpipe, logsOf, medpipeCli, removeDir, runCollect, tempDir, userProject, type Medpipe } from '../helpers/core.ts';
import { SHARED_DATA } from '../helpers/paths.ts';
import { realData, requires, sklearn } from '../helpers/requires.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

const R = suite<Ctx>('K classes on the shared real data (RetinaMNIST, brain-tumour MRI slice)');
const BRAIN = path.join(SHARED_DATA, 'brain-tumor-mri');
const RETINA = path.join(SHARED_DATA, 'retinamnist', 'retinamnist.npz');
const CLASSES = ['glioma', 'meningioma', 'notumor', 'pituitary'];
/** Testing files with a byte-identical twin in Training (found with md5sum over the set). */
const TWINS = [
  ['Testing/meningioma/Te-me_0060.jpg', 'Training/meningioma/Tr-me_0239.jpg'],
  ['Testing/meningioma/Te-me_0113.jpg', 'Training/meningioma/Tr-me_0357.jpg'],
  ['Testing/notumor/Te-no_0102.jpg', 'Training/notumor/Tr-no_0251.jpg'],
  ['Testing/notumor/Te-no_0101.jpg', 'Training/notumor/Tr-no_0249.jpg'],
] as const;

/** The first n files of each class of a split folder, relative to the set's root. */
async function slice(split: string, n: number): Promise<string[]> {
  const files: string[] = [];
  for (const c of CLASSES)
    files.push(
      ...(await readdir(path.join(BRAIN, split, c)))
        .sort()
        .slice(0, n)
        .map((f) => `${split}/${c}/${f}`),
    );
  return files;
}

const md5 = async (rel: string) =>
  createHash('md5')
    .update(await readFile(path.join(BRAIN, rel)))
    .digest('hex');

R.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('real-classes');
});
R.after(async (ctx) => removeDir(ctx.dir));

const it = requires(R, realData('retinamnist', 'retinamnist.npz'), realData('brain-tumor-mri', 'Training', 'Testing'));

it('RetinaMNIST, 5 grades: task ordinal, softmax over 5, quadratic-weighted kappa, the MedMNIST split kept', async ({ m, dir }) => {
  const p = m
    .pipeline('retina-ci', { seed: 1 })
    .stage(m.ingest.npz({ file: RETINA, task: 'ordinal' }))
    .stage(m.normalize({ method: 'zscore', scope: 'dataset' }))
    .stage(m.split())
    // pipelines/retinamnist.ts's network (three conv + pool blocks), narrower and for 2 epochs.
    .stage(m.build.compactCnn({ filters: [8, 16, 32] }))
    .stage(m.fit({ epochs: 2, batchSize: 64 }))
    .stage(m.evaluate({ gradCam: 2, png: false }));
  const run = await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out-retina'), baseDir: dir });
  assertOk(run);
  const metrics = JSON.parse(await readFile(path.join(dir, 'out-retina', 'metrics.json'), 'utf8'));
  assert.is(metrics.task, 'ordinal');
  assert.equal(metrics.classes, ['0', '1', '2', '3', '4']);
  assert.is(metrics.n, 400, 'the MedMNIST test split');
  assert.equal(
    metrics.confusionMatrix.map((row: number[]) => row.reduce((a, b) => a + b, 0)),
    [174, 46, 92, 68, 20],
    'test grades as the README counts them',
  );
  for (const key of ['auc', 'accuracy', 'quadraticWeightedKappa', 'meanAbsoluteError']) assert.type(metrics[key], 'number', key);
  // The clinical evaluation of a K-class run: an interval on every estimate (checked against scikit-learn and
  // an independent bootstrap below), calibration and subgroups files, and the report's document.
  assert.match(metrics.bootstrap.method, /^stratified bootstrap: 2000 resamples of images drawn within each class/);
  for (const key of ['quadraticWeightedKappa', 'brier', 'ece']) assert.type(metrics.intervals[key].percentile.lower, 'number', key);
  assert.type(metrics.intervals.perClass['4'].recall.percentile.upper, 'number');
  const calibration = JSON.parse(await readFile(path.join(dir, 'out-retina', 'calibration.json'), 'utf8'));
  assert.equal(Object.keys(calibration.perClass), ['0', '1', '2', '3', '4']);
  assert.ok(existsSync(path.join(dir, 'out-retina', 'class-evaluation.json')));
});

it('brain-tumour MRI slice with Training/Testing twins: 4 classes, the leak audit and leakage count the twins', async ({ m, dir }) => {
  const train = [...(await slice('Training', 16)), ...TWINS.map(([, t]) => t)];
  const test = [...(await slice('Testing', 6)), ...TWINS.map(([t]) => t)];
  const rows = [...train.map((f) => `${path.join(BRAIN, f)},${f.split('/')[1]},train`), ...test.map((f) => `${path.join(BRAIN, f)},${f.split('/')[1]},test`)];
  await writeFile(path.join(dir, 'brain.csv'), ['path,label,split', ...rows].join('\n') + '\n');
  const p = m
    .pipeline('brain-ci', { seed: 1 })
    .stage(m.ingest.csv({ csv: 'brain.csv', size: [32, 32], channels: 1 }))
    .stage(m.normalize({ method: 'zscore', scope: 'dataset' }))
    .stage(m.augment({ rotation: 10, horizontalFlip: true }))
    .stage(m.split())
    .stage(m.build.tutorialCnn({ filters: [4, 4], batchNormMomentum: 0.9 }))
    .stage(m.fit({ epochs: 2, batchSize: 16 }))
    .stage(m.evaluate({ gradCam: 4, png: false }));
  const run = await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out-brain'), baseDir: dir });
  assertOk(run);
  assert.ok(logsOf(run.events, 'ingest').some((l) => /task multiclass \(softmax over 4\)/.test(l)));
  const audit = logsOf(run.events, 'split').find((l) => l.startsWith('leak audit:'));
  assert.ok(audit && /(train|val)→test \d+/.test(audit), `the audit names the pairs: ${audit}`);
  const metrics = JSON.parse(await readFile(path.join(dir, 'out-brain', 'metrics.json'), 'utf8'));
  assert.is(metrics.task, 'multiclass');
  const trainHashes = new Set(await Promise.all(train.map(md5)));
  const byteTwins = (await Promise.all(test.map(md5))).filter((h) => trainHashes.has(h)).length;
  assert.ok(byteTwins >= TWINS.length);
  const found = metrics.leakage.alsoInTrain + metrics.leakage.alsoInValidation;
  assert.ok(found >= byteTwins, `metrics.json counts ${found} test images seen in training, the files hold ${byteTwins} byte-identical twins`);
  for (const [twin] of TWINS)
    assert.ok(
      metrics.leakage.examples.some((id: string) => id.endsWith(twin)),
      `${twin} listed`,
    );
});

requires(
  R,
  realData('retinamnist', 'retinamnist.npz'),
  realData('brain-tumor-mri', 'Training', 'Testing'),
  sklearn(),
)('every number of both metrics files equals scikit-learn recomputed from the predictions', ({ dir }) => {
  for (const out of ['out-retina', 'out-brain']) assertEvaluationMatchesSklearn(path.join(dir, out));
});

it('medpipe init on a brain-tumour MRI folder: a multi-class pipeline fitted to it that type-checks and runs', async () => {
  const project = await userProject('init-brain');
  try {
    for (const split of ['Training', 'Testing']) {
      for (const file of await slice(split, split === 'Training' ? 8 : 3)) {
        await mkdir(path.join(project, 'mri', path.dirname(file)), { recursive: true });
        await symlink(path.join(BRAIN, file), path.join(project, 'mri', file));
      }
    }
    const init = await medpipeCli(['init', 'bt', '--data', 'mri'], { cwd: project });
    assert.is(init.code, 0, init.stderr);
    assert.match(init.stdout, /4 classes \(glioma, meningioma, notumor, pituitary\): task multiclass/);
    assert.match(init.stdout, /keeping the data's own Training\/Testing split/);
    const source = await readFile(path.join(project, 'pipelines', 'bt.ts'), 'utf8');
    assert.match(source, /task: 'multiclass', size: \[64, 64\], channels: 1/);
    assert.match(source, /224x224 images read at 64x64/);
    assert.match(source, /Brain MRI: .*left-right flips are fair/s);
    assert.match(source, /horizontalFlip: true/);
    assert.not.match(source, /dextrocardia|chest/i, 'no chest X-ray remarks for brain MRI');
    assert.match(source, /val_auc, the macro one-vs-rest ROC AUC/);
    // Shrunk to run in seconds, then run as a user would.
    const small = source
      .replace('size: [64, 64]', 'size: [16, 16]')
      .replace(/build\.\w+\([^\n]*\)\)\n/, 'build.tutorialCnn({ filters: [2, 2] }))\n')
      .replace(/epochs: \d+/, 'epochs: 1');
    await writeFile(path.join(project, 'pipelines', 'bt.ts'), small);
    const run = await medpipeCli(['run', 'pipelines/bt.ts', '--plain'], { cwd: project, timeoutMs: 300_000 });
    assert.is(run.code, 0, run.stdout + run.stderr);
    const metrics = JSON.parse(await readFile(path.join(project, 'out', 'bt', 'metrics.json'), 'utf8'));
    assert.is(metrics.task, 'multiclass');
    assert.is(metrics.n, 12);
  } finally {
    await removeDir(project);
  }
});

R.run();
