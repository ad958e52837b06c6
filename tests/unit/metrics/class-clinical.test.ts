/**
 * The clinical evaluation of K-class and multi-label runs: calibration against scikit-learn
 * (tests/reference/class_calibration.py: multi-class Brier, per-class brier_score_loss and
 * calibration_curve, top-label calibration_curve and ECE; random, tied and quantile-binned cases),
 * and the intervals, bootstrap and subgroups by their definitions (an interval on every metric,
 * estimates equal to the metrics, seeded, stratified, group-aware; calibrated-by-construction data).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng } from '../../../src/base/rng.ts';
import { classCalibration, labelCalibration } from '../../../src/metrics/class-calibration.ts';
import { classClinicalEvaluation, labelClinicalEvaluation } from '../../../src/metrics/class-clinical.ts';
import type { MetricInterval } from '../../../src/metrics/clinical-evaluation.ts';
import { metricLeaves } from '../../../src/metrics/metric-leaves.ts';
import { multiclassMetrics, multilabelMetrics } from '../../../src/metrics/index.ts';
import { REFERENCE } from '../../helpers/paths.ts';
import { prng } from '../../helpers/prng.ts';
import { requires, sklearn } from '../../helpers/requires.ts';

const PYTHON = process.env.MEDPIPE_SKLEARN_PYTHON ?? '/usr/bin/python3';
const TOL = 1e-9;
const CLASSES = ['0', '1', '2', '3', '4'];

/** n images over k classes: probabilities from a softmax with the true class lifted by `shift`; `grid` rounds them (ties). */
function classCase(seed: number, n: number, k: number, shift = 1, grid = 0) {
  const rand = prng(seed);
  const labels = Array.from({ length: n }, () => Math.floor(rand() * k));
  const rows = labels.map((y) => {
    const z = Array.from({ length: k }, (_, j) => Math.exp(3 * rand() + (j === y ? shift : 0)));
    const sum = z.reduce((a, b) => a + b, 0);
    const p = z.map((v) => v / sum);
    return grid > 0 ? p.map((v) => Math.round(v * grid) / grid) : p;
  });
  return { labels, rows };
}

function labelCase(seed: number, n: number, k: number) {
  const rand = prng(seed);
  const labels = Array.from({ length: n }, () => Array.from({ length: k }, () => (rand() < 0.3 ? 1 : 0)));
  const rows = labels.map((y) => y.map((v) => Math.min(1, Math.max(0, 0.35 * v + 0.65 * rand()))));
  return { labels, rows };
}

const C = suite('K-class calibration against scikit-learn');
const withSklearn = requires(C, sklearn());

withSklearn('multi-class Brier, per-class and top-label reliability curves and ECE equal the reference (uniform, quantile, tied)', () => {
  const cases = [
    { task: 'multiclass', ...classCase(1, 300, 5), bins: 10, strategy: 'uniform' },
    { task: 'multiclass', ...classCase(2, 57, 3, 2, 10), bins: 10, strategy: 'uniform' },
    { task: 'ordinal', ...classCase(3, 400, 4, 0.5), bins: 7, strategy: 'quantile' },
    { task: 'multilabel', ...labelCase(4, 200, 3), bins: 10, strategy: 'uniform' },
    { task: 'multilabel', ...labelCase(5, 90, 2), bins: 5, strategy: 'quantile' },
  ] as const;
  const run = spawnSync(PYTHON, [join(REFERENCE, 'class_calibration.py')], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const reference = JSON.parse(run.stdout) as {
    brier: number;
    topLabel?: { fractionPositive: number[]; meanScore: number[]; ece: number };
    perClass: { brier: number; fractionPositive: number[]; meanScore: number[] }[];
  }[];
  const close = (a: readonly number[], b: readonly number[], what: string) => {
    assert.is(a.length, b.length, `${what}: ${a.length} bins vs ${b.length}`);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= TOL, `${what}[${i}]: ${v} vs ${b[i]}`));
  };
  cases.forEach((c, i) => {
    const ref = reference[i]!;
    const names = CLASSES.slice(0, c.rows[0]!.length);
    const binning = { bins: c.bins, strategy: c.strategy };
    const got =
      c.task === 'multilabel' ? labelCalibration(c.labels, c.rows, names, binning) : classCalibration(c.labels as readonly number[], c.rows, names, binning);
    assert.ok(Math.abs(got.brier - ref.brier) <= TOL, `case ${i} brier ${got.brier} vs ${ref.brier}`);
    names.forEach((name, j) => {
      const mine = got.perClass[name]!;
      assert.ok(Math.abs(mine.brier - ref.perClass[j]!.brier) <= TOL, `case ${i} class ${name} brier`);
      close(
        mine.curve.points.map((p) => p.fractionPositive),
        ref.perClass[j]!.fractionPositive,
        `case ${i} class ${name} prob_true`,
      );
      close(
        mine.curve.points.map((p) => p.meanScore),
        ref.perClass[j]!.meanScore,
        `case ${i} class ${name} prob_pred`,
      );
    });
    if (ref.topLabel) {
      close(
        got.topLabel!.curve.points.map((p) => p.fractionPositive),
        ref.topLabel.fractionPositive,
        `case ${i} top-label prob_true`,
      );
      close(
        got.topLabel!.curve.points.map((p) => p.meanScore),
        ref.topLabel.meanScore,
        `case ${i} top-label prob_pred`,
      );
      assert.ok(Math.abs(got.topLabel!.ece - ref.topLabel.ece) <= TOL, `case ${i} top-label ECE ${got.topLabel!.ece} vs ${ref.topLabel.ece}`);
    }
  });
});

C.run();

const I = suite('K-class intervals, bootstrap and subgroups');

const interval = (tree: unknown, path: string): MetricInterval => path.split('.').reduce<any>((at, key) => at?.[key], tree) as MetricInterval;

I('an interval on every estimate of metrics.json, each estimate equal to the metric; seeded', () => {
  const { labels, rows } = classCase(11, 150, 5, 1.5);
  const test = labels.map((label, i) => ({ label, probabilities: rows[i]! }));
  const e = classClinicalEvaluation(test, CLASSES, 'ordinal', { seed: 7, resamples: 200 });
  const metrics = multiclassMetrics(labels, rows, CLASSES, { task: 'ordinal' });
  const leaves = metricLeaves(metrics);
  assert.ok(Object.keys(leaves).length > 40, `${Object.keys(leaves).length} estimates`);
  for (const [key, value] of Object.entries(leaves)) {
    const ci = interval(e.intervals, key.split('\u001f').join('.'));
    assert.ok(ci, `interval for ${key}`);
    assert.is(ci.estimate, value, key);
    assert.ok(ci.percentile.lower <= ci.percentile.upper, key);
    assert.is(ci.resamples, 200);
    assert.match(ci.method, /^stratified bootstrap: 200 resamples of images drawn within each class, seed 7$/);
  }
  for (const key of ['n', 'perClass.0.support', 'confusionMatrix']) assert.is(interval(e.intervals, key), undefined, `${key} is a count`);
  assert.ok(Math.abs(interval(e.intervals, 'brier').estimate - e.calibration.brier) < 1e-15);
  assert.ok(Math.abs(interval(e.intervals, 'ece').estimate - e.calibration.topLabel!.ece) < 1e-15);
  // The accuracy interval holds the estimate and is a real spread (150 images: roughly ±0.08).
  const acc = interval(e.intervals, 'accuracy');
  assert.ok(acc.percentile.lower < acc.estimate && acc.estimate < acc.percentile.upper);
  assert.ok(acc.percentile.upper - acc.percentile.lower > 0.08 && acc.percentile.upper - acc.percentile.lower < 0.25);
  const again = classClinicalEvaluation(test, CLASSES, 'ordinal', { seed: 7, resamples: 200 });
  assert.equal(again.intervals, e.intervals, 'same seed, same intervals');
  const other = classClinicalEvaluation(test, CLASSES, 'ordinal', { seed: 8, resamples: 200 });
  assert.not.equal(interval(other.intervals, 'accuracy').percentile, acc.percentile, 'another seed, other resamples');
});

I('group-aware: images of one patient are resampled together and the unit is stated', () => {
  const { labels, rows } = classCase(12, 120, 3, 1);
  const test = labels.map((label, i) => ({ label, probabilities: rows[i]!, group: `p${Math.floor(i / 4)}` }));
  const e = classClinicalEvaluation(test, CLASSES.slice(0, 3), 'multiclass', { seed: 1, resamples: 100 });
  assert.is(e.bootstrap.unit, 'group');
  assert.is(e.bootstrap.units, 30);
  assert.match(e.bootstrap.method, /patient groups \(30 groups\)/);
});

I('calibrated by construction: labels drawn from the probabilities give a small top-label ECE; a shifted model a large one', () => {
  const rng = createRng(5);
  const rows = Array.from({ length: 4000 }, () => {
    const z = [rng.next(), rng.next(), rng.next()].map((v) => Math.exp(3 * v));
    const s = z.reduce((a, b) => a + b, 0);
    return z.map((v) => v / s);
  });
  const labels = rows.map((p) => {
    const u = rng.next();
    return u < p[0]! ? 0 : u < p[0]! + p[1]! ? 1 : 2;
  });
  const good = classCalibration(labels, rows, ['a', 'b', 'c']);
  assert.ok(good.topLabel!.ece < 0.03, `ECE ${good.topLabel!.ece}`);
  const sharpened = rows.map((p) => {
    const z = p.map((v) => v ** 4);
    const s = z.reduce((a, b) => a + b, 0);
    return z.map((v) => v / s);
  });
  assert.ok(classCalibration(labels, sharpened, ['a', 'b', 'c']).topLabel!.ece > 0.1, 'over-confident scores are flagged');
});

I('subgroups: counts per class, the subgroup accuracy as estimate, and a warning for a small subgroup', () => {
  const { labels, rows } = classCase(13, 160, 3, 2);
  const test = labels.map((label, i) => ({ label, probabilities: rows[i]!, attributes: { site: i < 140 ? 'A' : 'B', id: String(i) } }));
  const e = classClinicalEvaluation(test, CLASSES.slice(0, 3), 'multiclass', { seed: 3, resamples: 100 });
  assert.equal(
    e.subgroups.map((g) => [g.attribute, g.value, g.n]),
    [
      ['site', 'A', 140],
      ['site', 'B', 20],
    ],
    'the id attribute (160 values) is not a subgroup',
  );
  const a = e.subgroups[0]!;
  assert.is(
    Object.values(a.counts).reduce((s, v) => s + v, 0),
    140,
  );
  const accuracyA = multiclassMetrics(labels.slice(0, 140), rows.slice(0, 140), CLASSES.slice(0, 3)).accuracy;
  assert.is(a.metrics.accuracy!.estimate, accuracyA);
  assert.equal(Object.keys(a.metrics), ['accuracy', 'balancedAccuracy', 'auc', 'macroF1', 'kappa']);
  assert.is(a.warning, undefined);
  assert.match(e.subgroups[1]!.warning!, /too small to say much: 20 samples \(< 30\)/);
  assert.is(classClinicalEvaluation(test, CLASSES.slice(0, 3), 'multiclass', { seed: 3, resamples: 100, subgroups: false }).subgroups.length, 0);
});

I('multi-label: images resampled whole, unstratified; a finding absent from some resamples leaves those out of its interval', () => {
  const { labels, rows } = labelCase(21, 60, 3);
  // Finding 2 present in one image only: resamples without it have no AUC for it.
  labels.forEach((y, i) => (y[2] = i === 0 ? 1 : 0));
  const test = labels.map((y, i) => ({ labels: y, scores: rows[i]!, attributes: { view: i % 2 ? 'PA' : 'AP' } }));
  const names = ['effusion', 'nodule', 'mass'];
  const thresholds = [0.5, 0.5, 0.5];
  const e = labelClinicalEvaluation(test, names, thresholds, { seed: 2, resamples: 300 });
  assert.is(e.bootstrap.stratified, false);
  assert.match(e.bootstrap.method, /^bootstrap: 300 resamples of images, all findings of an image together, seed 2$/);
  const metrics = multilabelMetrics(labels, rows, names, thresholds);
  for (const [key, value] of Object.entries(metricLeaves(metrics))) {
    const ci = interval(e.intervals, key.split('\u001f').join('.'));
    assert.ok(ci, `interval for ${key}`);
    assert.ok(Object.is(ci.estimate, value) || ci.estimate === value, key);
  }
  const rare = interval(e.intervals, 'perLabel.mass.auc');
  assert.ok(rare.valid < 300 && rare.valid > 100, `${rare.valid} resamples hold the one image with the finding`);
  assert.ok(Math.abs(interval(e.intervals, 'brier').estimate - e.calibration.brier) < 1e-15);
  assert.equal(
    e.subgroups.map((g) => [g.value, g.n]),
    [
      ['AP', 30],
      ['PA', 30],
    ],
  );
  assert.equal(Object.keys(e.subgroups[0]!.metrics), ['auc', 'microAuc', 'macroF1', 'hammingLoss', 'subsetAccuracy']);
});

I.run();
