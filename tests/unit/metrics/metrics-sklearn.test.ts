/**
 * Cross-check against scikit-learn (the reference): random labels/scores with many ties go through
 * tests/reference/sklearn_check.py and every number must agree to 1e-9. Runs whenever
 * /usr/bin/python3 can import sklearn (Debian: apt-get install python3-sklearn); skipped with a
 * message otherwise, except under CI=true where a missing scikit-learn is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import { requires, sklearn } from '../../helpers/requires.ts';
import { PYTHON } from '../../reference/dicom-nifti-check.ts';
import * as assert from 'uvu/assert';
import { binaryMetrics, classificationReport, precisionRecallCurve, rocCurve, thresholdForSensitivity } from '../../../src/metrics/index.ts';
import { prng as rng } from '../../helpers/prng.ts';
import { REFERENCE } from '../../helpers/paths.ts';

// MEDPIPE_REFERENCE_PYTHON overrides the interpreter (e.g. a venv with another scikit-learn version).
const SCRIPT = join(REFERENCE, 'sklearn_check.py');
const TOL = 1e-9;

interface Case {
  labels: number[];
  scores: number[];
  threshold: number;
  sensitivity: number;
  classNames: [string, string];
  digits: number;
}

function makeCases(): Case[] {
  const rand = rng(20240611);
  const cases: Case[] = [];
  const names: [string, string][] = [
    ['normal', 'pneumonia'],
    ['no lesion', 'lesion'],
    ['0', '1'],
  ];
  for (let i = 0; i < 60; i++) {
    const n = [1, 2, 3, 5, 10, 37, 200, 1000][i % 8];
    const prevalence = [0.5, 0.1, 0.9, 0.3][i % 4];
    const separation = [0, 0.3, 1, -0.5][Math.floor(i / 4) % 4];
    const grid = [0, 10, 100, 4][Math.floor(i / 3) % 4]; // 0 = continuous scores, else rounded → ties
    const labels = Array.from({ length: n }, () => (rand() < prevalence ? 1 : 0));
    const scores = labels.map((y) => {
      const s = Math.min(1, Math.max(0, rand() * 0.8 + 0.1 + separation * (y - 0.5) * 0.5));
      return grid === 0 ? s : Math.round(s * grid) / grid;
    });
    const threshold = [0.5, 0.3, 0.75, 0.5, scores[0]][i % 5]; // scores[0]: a score exactly at the threshold
    cases.push({ labels, scores, threshold, sensitivity: [0.8, 0.5, 0.95, 1][i % 4], classNames: names[i % 3], digits: [2, 4][i % 2] });
  }
  // Edge cases: one class only, all predictions one class, perfect and inverted rankings, all tied.
  cases.push({ labels: [1, 1, 1, 1], scores: [0.1, 0.5, 0.5, 0.9], threshold: 0.5, sensitivity: 0.8, classNames: ['a', 'b'], digits: 2 });
  cases.push({ labels: [0, 0, 0], scores: [0.1, 0.2, 0.3], threshold: 0.5, sensitivity: 0.8, classNames: ['a', 'b'], digits: 2 });
  cases.push({ labels: [0, 1, 0, 1], scores: [0.1, 0.2, 0.3, 0.4], threshold: 0.95, sensitivity: 0.8, classNames: ['a', 'b'], digits: 2 });
  cases.push({ labels: [0, 1, 0, 1], scores: [0.6, 0.7, 0.8, 0.9], threshold: 0.5, sensitivity: 0.8, classNames: ['a', 'b'], digits: 2 });
  cases.push({ labels: [0, 0, 1, 1], scores: [0.1, 0.2, 0.8, 0.9], threshold: 0.5, sensitivity: 1, classNames: ['a', 'b'], digits: 2 });
  cases.push({ labels: [1, 1, 0, 0], scores: [0.1, 0.2, 0.8, 0.9], threshold: 0.5, sensitivity: 0.8, classNames: ['a', 'b'], digits: 2 });
  cases.push({ labels: [0, 1, 1, 0, 1], scores: [0.5, 0.5, 0.5, 0.5, 0.5], threshold: 0.5, sensitivity: 0.8, classNames: ['a', 'b'], digits: 2 });
  cases.push({
    labels: [0, 1, 1, 0, 0, 0, 0, 0],
    scores: [0.125, 0.375, 0.625, 0.875, 0.5, 0.25, 0.75, 0],
    threshold: 0.3,
    sensitivity: 0.8,
    classNames: ['negative', 'positive'],
    digits: 2,
  });
  return cases;
}

/** Compares a number with scikit-learn's, where null stands for NaN/undefined. */
function same(actual: number, expected: number | null, what: string): void {
  if (expected === null) {
    assert.ok(Number.isNaN(actual), `${what}: scikit-learn gives NaN/undefined, got ${actual}`);
    return;
  }
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: scikit-learn ${expected}, medpipe ${actual}`);
}
function sameArray(actual: readonly number[], expected: readonly (number | null)[], what: string, skipFirst = false): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = skipFirst ? 1 : 0; i < actual.length; i++) same(actual[i], expected[i], `${what}[${i}]`);
}

const cross = suite('metrics: equal to scikit-learn');

const it = requires(cross, sklearn());
it('every metric, curve and report on random cases with ties', () => {
  const cases = makeCases();
  const dir = mkdtempSync(join(tmpdir(), 'medpipe-sklearn-'));
  try {
    const input = join(dir, 'cases.json');
    writeFileSync(input, JSON.stringify({ cases }));
    const run = spawnSync(PYTHON, [SCRIPT, input], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.is(run.status, 0, `sklearn_check.py failed: ${run.stderr}`);
    const { sklearn, results } = JSON.parse(run.stdout) as { sklearn: string; results: Record<string, any>[] };
    console.log(`  compared ${cases.length} cases with scikit-learn ${sklearn}`);
    cases.forEach((c, i) => {
      const ref = results[i];
      const tag = `case ${i} (n=${c.labels.length})`;
      const m = binaryMetrics(c.labels, c.scores, { threshold: c.threshold, sensitivity: c.sensitivity });
      for (const key of ['tp', 'fp', 'tn', 'fn'] as const) assert.is(m[key], ref[key], `${tag} ${key}`);
      for (const key of [
        'accuracy',
        'precision',
        'recall',
        'specificity',
        'npv',
        'f1',
        'balancedAccuracy',
        'kappa',
        'auc',
        'specificityAtSensitivity',
      ] as const) {
        same(m[key], ref[key], `${tag} ${key}`);
      }
      const oneClass = m.support.positive === 0 || m.support.negative === 0;
      // Deliberate difference: scikit-learn's AP is 0 or 1 with one class; medpipe reports NaN.
      if (oneClass) assert.ok(Number.isNaN(m.averagePrecision), `${tag} AP with one class`);
      else same(m.averagePrecision, ref.averagePrecision, `${tag} averagePrecision`);
      if (ref.thresholdForSensitivity !== null) {
        assert.is(thresholdForSensitivity(c.labels, c.scores, c.sensitivity), ref.thresholdForSensitivity, `${tag} thresholdForSensitivity`);
      }
      // thresholds[0] is max+1 in scikit-learn 1.2 and inf (null here) from 1.3: compare it only when finite.
      for (const [drop, refRoc] of [
        [false, ref.roc],
        [true, ref.rocDropped],
      ] as const) {
        const roc = rocCurve(c.labels, c.scores, { dropIntermediate: drop });
        sameArray(roc.fpr, refRoc.fpr, `${tag} fpr drop=${drop}`);
        sameArray(roc.tpr, refRoc.tpr, `${tag} tpr drop=${drop}`);
        sameArray(roc.thresholds, refRoc.thresholds, `${tag} roc thresholds drop=${drop}`, refRoc.thresholds[0] === null);
      }
      const pr = precisionRecallCurve(c.labels, c.scores);
      sameArray(pr.precision, ref.pr.precision, `${tag} pr precision`);
      sameArray(pr.recall, ref.pr.recall, `${tag} pr recall`);
      sameArray(pr.thresholds, ref.pr.thresholds, `${tag} pr thresholds`);
      const predicted = c.scores.map((s) => (s >= c.threshold ? 1 : 0));
      const report = classificationReport(c.labels, predicted, c.classNames, { digits: c.digits });
      const [neg, pos] = c.classNames;
      const single = new Set([...c.labels, ...predicted]).size === 1;
      // scikit-learn heads the accuracy row "micro avg" when only one class occurs at all; medpipe always says accuracy.
      // scikit-learn 1.2 prints supports as floats ("3.0") when no prediction is correct (its
      // multilabel_confusion_matrix falls back to float zeros); medpipe prints integers.
      const refText = (ref.reportText as string).replace(/ (\d+)\.0$/gm, (_m, d: string) => `   ${d}`);
      if (!single) assert.fixture(report.text, refText, `${tag} report text`);
      const d = ref.reportDict;
      report.rows.forEach((row, k) => {
        const r = d[[neg, pos][k]];
        same(row.precision, r.precision, `${tag} report ${row.label} precision`);
        same(row.recall, r.recall, `${tag} report ${row.label} recall`);
        same(row.f1, r['f1-score'], `${tag} report ${row.label} f1`);
        assert.is(row.support, r.support);
      });
      for (const [mine, key] of [
        [report.macroAvg, 'macro avg'],
        [report.weightedAvg, 'weighted avg'],
      ] as const) {
        same(mine.precision, d[key].precision, `${tag} ${key} precision`);
        same(mine.recall, d[key].recall, `${tag} ${key} recall`);
        same(mine.f1, d[key]['f1-score'], `${tag} ${key} f1`);
      }
      same(report.accuracy, single ? d['micro avg']['f1-score'] : d.accuracy, `${tag} report accuracy`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cross.run();
