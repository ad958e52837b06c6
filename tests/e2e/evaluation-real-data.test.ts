// The clinical evaluation end to end on real chest X-rays (a slice of PneumoniaMNIST from
// ../shared/data, copied to a temp folder), through the CLI as a user runs it: metrics.json's AUC
// interval agrees with an independent NumPy/scikit-learn bootstrap of predictions.csv (2,000
// resamples) within 0.01 at each end, its DeLong interval with DeLong's kernel definition; two
// seeds are recorded in the history, `runs` lists both, `compare` prints the AUC difference with a
// paired CI and p-value, `report` rewrites a run's report.html from the history alone.
// Skipped (counted) without the data or scikit-learn; both must be there under CI=true.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyRealSlice, medpipeCli, removeDir, ROOT, SHARED_IMAGES, userProject, type CliResult } from '../helpers/core.ts';
import { PYTHON, sklearnAvailable } from '../helpers/reference-python.ts';

interface Ctx {
  dir: string;
}

const E = suite<Ctx>('clinical evaluation on real data, through the CLI');
const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

const PIPELINE = `import { pipeline, ingest, normalize, split, build, fit, evaluate } from 'medpipe';
export default pipeline('xr', { seed: 1 })
  .stage(ingest.folder({ root: 'data', classes: ['normal', 'pneumonia'], size: [28, 28], channels: 1 }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
  .stage(split())
  .stage(build.tutorialCnn({ filters: [8, 8], batchNormMomentum: 'auto' }))
  .stage(fit({ epochs: 4, batchSize: 32 }))
  .stage(evaluate({ gradCam: 4 }));
`;

function missing(): string | undefined {
  if (!existsSync(SHARED_IMAGES)) return `${SHARED_IMAGES} not found`;
  const sk = sklearnAvailable();
  return sk.ok ? undefined : sk.why;
}

const why = missing();
if (why && process.env.CI !== 'true') {
  E.skip(`skipped: ${why}`, () => {});
} else {
  E.before(async (ctx) => {
    ctx.dir = await userProject('clinical-real');
  });
  E.after(async (ctx) => {
    await removeDir(ctx.dir);
  });

  E('intervals agree with an independent bootstrap; two seeds recorded, listed, compared, reported', async (ctx) => {
    assert.is(why, undefined, `CI=true requires the real data and scikit-learn: ${why}`);
    const { dir } = ctx;
    await copyRealSlice(path.join(dir, 'data'), { train: 150, val: 40, test: 100 });
    await writeFile(path.join(dir, 'xr.ts'), PIPELINE);
    const env = { MEDPIPE_HISTORY: '' };
    const first = await medpipeCli(['run', 'xr.ts', '--cache', 'cache', '--seed', '1', '--plain'], { cwd: dir, env, timeoutMs: 300_000 });
    assert.is(first.code, 0, show(first));
    assert.match(first.stdout, /\[evaluate\] done in .*: test: auc 0\.\d{4} \(95% CI 0\.\d{3}–[01]\.\d{3}\)/);
    assert.match(first.stdout, /recorded as run #1 in .*runs\/history\.db/);

    const out = path.join(dir, 'out', 'xr');
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    const reference = spawnSync(PYTHON, [path.join(ROOT, 'tests', 'reference', 'bootstrap_predictions.py'), path.join(out, 'predictions.csv'), '2000'], {
      encoding: 'utf8',
    });
    assert.is(reference.status, 0, reference.stderr);
    const ref = JSON.parse(reference.stdout) as {
      auc: number;
      plainPercentile: [number, number];
      stratifiedPercentile: [number, number];
      delong: [number, number];
    };
    const ci = metrics.intervals.auc;
    console.log(
      `  AUC ${ci.estimate.toFixed(4)}: medpipe percentile ${ci.percentile.lower.toFixed(4)}–${ci.percentile.upper.toFixed(4)}, BCa ${ci.bca.lower.toFixed(4)}–${ci.bca.upper.toFixed(4)}; NumPy bootstrap ${ref.stratifiedPercentile.map((x) => x.toFixed(4)).join('–')} (stratified), ${ref.plainPercentile.map((x) => x.toFixed(4)).join('–')} (plain); DeLong ${ref.delong.map((x) => x.toFixed(4)).join('–')}`,
    );
    assert.ok(Math.abs(ci.estimate - ref.auc) < 1e-12, 'the same AUC as scikit-learn');
    assert.is(ci.resamples, 2000);
    for (const [name, theirs] of [
      ['stratified', ref.stratifiedPercentile],
      ['plain', ref.plainPercentile],
    ] as const) {
      assert.ok(
        Math.abs(ci.percentile.lower - theirs[0]) < 0.01 && Math.abs(ci.percentile.upper - theirs[1]) < 0.01,
        `percentile interval within 0.01 of the ${name} NumPy bootstrap`,
      );
    }
    assert.ok(Math.abs(ci.delong.lower - ref.delong[0]) < 1e-9 && Math.abs(ci.delong.upper - ref.delong[1]) < 1e-9, 'DeLong equals the kernel definition');
    assert.ok(
      Math.abs(ci.percentile.lower - ci.delong.lower) < 0.01 && Math.abs(ci.percentile.upper - ci.delong.upper) < 0.01,
      'bootstrap and DeLong within 0.01',
    );
    for (const key of [
      'accuracy',
      'precision',
      'recall',
      'specificity',
      'npv',
      'f1',
      'balancedAccuracy',
      'kappa',
      'averagePrecision',
      'specificityAtSensitivity',
      'brier',
      'ece',
      'calibrationIntercept',
      'calibrationSlope',
    ]) {
      assert.ok(metrics.intervals[key]?.percentile && metrics.intervals[key].method, `metrics.json has an interval with its method for ${key}`);
    }
    for (const f of ['calibration.json', 'operating-points.json', 'subgroups.json', 'evaluation.json', 'report.html', 'plots/reliability.svg'])
      assert.ok(existsSync(path.join(out, f)), f);

    const second = await medpipeCli(['run', 'xr.ts', '--cache', 'cache', '--seed', '2', '--plain'], { cwd: dir, env, timeoutMs: 300_000 });
    assert.is(second.code, 0, show(second));
    const runs = await medpipeCli(['runs', '--cache', 'cache'], { cwd: dir, env });
    assert.is(runs.code, 0, show(runs));
    assert.match(runs.stdout, /^#1\s.*\sxr\s+1\s+ok\s.*\s0\.\d{4} \(0\.\d{3}-[01]\.\d{3}\)/m);
    assert.match(runs.stdout, /^#2\s.*\sxr\s+2\s+ok\s/m);
    const compare = await medpipeCli(['compare', '1', '2', '--cache', 'cache'], { cwd: dir, env });
    assert.is(compare.code, 0, show(compare));
    console.log(
      compare.stdout
        .split('\n')
        .filter((l) => /seed:|ROC AUC|95% CI|DeLong/.test(l))
        .map((l) => `  ${l}`)
        .join('\n'),
    );
    assert.match(compare.stdout, /seed: 1 -> 2/);
    assert.match(compare.stdout, /paired on 200 test images \(100 positive, 100 negative\)/);
    assert.match(compare.stdout, /ROC AUC difference \(#2 - #1\): [+-]\d\.\d{4}\n\s+95% CI [+-]\d\.\d{4} to [+-]\d\.\d{4} \(BCa\)/);
    assert.match(compare.stdout, /DeLong's paired test: z = -?\d+\.\d{3}, two-sided p = /);

    await rm(path.join(out, 'report.html'));
    const report = await medpipeCli(['report', '1', '--cache', 'cache'], { cwd: dir, env });
    assert.is(report.code, 0, show(report));
    const page = await readFile(path.join(out, 'report.html'), 'utf8');
    assert.match(page, /xr — run #1/);
    assert.match(page, new RegExp(`Test ROC AUC ${ci.estimate.toFixed(3)}`), 'the report of run #1 (seed 1), rebuilt from the history');
    assert.match(page, /data:image\/png;base64,/, 'its Grad-CAM pictures came from the history');
  });
}

E.run();
