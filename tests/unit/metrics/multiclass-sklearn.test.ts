/**
 * K-class, ordinal and multi-label metrics against scikit-learn (tests/reference/sklearn_multiclass.py
 * via sklearn_check.py): random cases, cases with many tied probabilities, and degenerate ones (a class
 * absent from the labels, one class predicted for all, a single class present, a finding present in
 * every sample or in none). Every number must agree to 1e-9.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argmax, classificationReport, multiclassMetrics, multilabelMetrics, multilabelReport, thresholdForMaxF1 } from '../../../src/metrics/index.ts';
import { REFERENCE } from '../../helpers/paths.ts';
import { prng } from '../../helpers/prng.ts';
import { requires, sklearn } from '../../helpers/requires.ts';

const PYTHON = process.env.MEDPIPE_SKLEARN_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(REFERENCE, 'sklearn_check.py');
const TOL = 1e-9;

interface ClassCase {
  task: 'multiclass' | 'ordinal';
  labels: number[];
  probabilities: number[][];
  classNames: string[];
  digits: number;
}
interface LabelCase {
  task: 'multilabel';
  labels: number[][];
  scores: number[][];
  thresholds: number[];
  classNames: string[];
  digits: number;
}

const names = (k: number) => ['glioma', 'meningioma', 'notumor', 'pituitary', 'grade 4', 'x', 'a much longer class name'].slice(0, k);

/** Rows of probabilities summing to 1; `grid` > 0 draws integer weights 0..grid so rows and values tie. */
function probabilities(rand: () => number, labels: number[], k: number, separation: number, grid: number): number[][] {
  return labels.map((y) => {
    const w = Array.from({ length: k }, (_, j) => {
      const v = rand() + (j === y ? separation : 0);
      return grid > 0 ? Math.round(v * grid) + (j === 0 ? 1 : 0) : v + 1e-3;
    });
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / sum);
  });
}

function classCases(): ClassCase[] {
  const rand = prng(20250111);
  const cases: ClassCase[] = [];
  for (let i = 0; i < 48; i++) {
    const k = [3, 4, 5, 7][i % 4]!;
    const n = [6, 13, 40, 200, 1000][i % 5]!;
    const skew = [0, 0.6][Math.floor(i / 4) % 2]!;
    const labels = Array.from({ length: n }, () => (rand() < skew ? 0 : Math.floor(rand() * k)));
    const grid = [0, 3, 10][Math.floor(i / 8) % 3]!;
    cases.push({
      task: i % 2 ? 'ordinal' : 'multiclass',
      labels,
      probabilities: probabilities(rand, labels, k, [0, 0.5, 2][i % 3]!, grid),
      classNames: names(k),
      digits: [2, 4][i % 2]!,
    });
  }
  // A class absent from the labels (and from the predictions), and absent but predicted.
  const absent = [0, 1, 0, 1, 0, 1, 3, 3];
  cases.push({ task: 'multiclass', labels: absent, probabilities: probabilities(rand, absent, 4, 2, 0), classNames: names(4), digits: 2 });
  cases.push({
    task: 'ordinal',
    labels: absent,
    probabilities: absent.map((y, i) => (i === 0 ? [0.1, 0.1, 0.7, 0.1] : [0.1, 0.1, 0.1, 0.1].map((v, j) => (j === y ? 0.7 : v)))),
    classNames: names(4),
    digits: 2,
  });
  // One class predicted for all.
  const mixed = [0, 1, 2, 2, 1, 0, 2];
  cases.push({ task: 'multiclass', labels: mixed, probabilities: mixed.map((_, i) => [0.2, 0.5 + i / 100, 0.3 - i / 100]), classNames: names(3), digits: 2 });
  // Every score tied (all rows uniform): argmax 0 everywhere, top-k by sklearn's tie rule.
  cases.push({
    task: 'ordinal',
    labels: [0, 1, 2, 3, 4, 4],
    probabilities: Array.from({ length: 6 }, () => [0.2, 0.2, 0.2, 0.2, 0.2]),
    classNames: names(5),
    digits: 2,
  });
  // Perfect and inverted rankings.
  cases.push({
    task: 'multiclass',
    labels: [0, 1, 2],
    probabilities: [
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
    ],
    classNames: names(3),
    digits: 2,
  });
  cases.push({
    task: 'multiclass',
    labels: [0, 1, 2, 0],
    probabilities: [
      [0.1, 0.45, 0.45],
      [0.45, 0.1, 0.45],
      [0.45, 0.45, 0.1],
      [0.2, 0.3, 0.5],
    ],
    classNames: names(3),
    digits: 2,
  });
  return cases;
}

function labelCases(): LabelCase[] {
  const rand = prng(7);
  const cases: LabelCase[] = [];
  for (let i = 0; i < 24; i++) {
    const k = [2, 3, 5, 14][i % 4]!;
    const n = [5, 30, 300][i % 3]!;
    const prevalence = Array.from({ length: k }, () => 0.05 + rand() * 0.5);
    const grid = [0, 4][Math.floor(i / 4) % 2]!;
    const labels = Array.from({ length: n }, () => prevalence.map((p) => (rand() < p ? 1 : 0)));
    const scores = labels.map((row) =>
      row.map((y) => {
        const s = Math.min(1, Math.max(0, rand() * 0.7 + 0.3 * y));
        return grid ? Math.round(s * grid) / grid : s;
      }),
    );
    const thresholds = Array.from({ length: k }, (_, j) => [0.5, 0.3, scores[0]![j]!][(i + j) % 3]!);
    cases.push({
      task: 'multilabel',
      labels,
      scores,
      thresholds,
      classNames: names(7)
        .concat(names(7))
        .map((c, j) => `${c}${j}`)
        .slice(0, k),
      digits: [2, 4][i % 2]!,
    });
  }
  // A finding in every sample, one in none, and samples with no finding at all.
  cases.push({
    task: 'multilabel',
    labels: [
      [1, 0, 1],
      [1, 0, 0],
      [1, 0, 0],
      [1, 0, 1],
    ],
    scores: [
      [0.9, 0.1, 0.8],
      [0.6, 0.7, 0.2],
      [0.4, 0.2, 0.6],
      [0.8, 0.3, 0.5],
    ],
    thresholds: [0.5, 0.5, 0.5],
    classNames: ['effusion', 'nodule', 'mass'],
    digits: 2,
  });
  return cases;
}

function same(actual: number | undefined, expected: number | null | undefined, what: string): void {
  if (expected === null || expected === undefined) {
    assert.ok(actual === undefined || Number.isNaN(actual), `${what}: scikit-learn gives undefined, medpipe ${actual}`);
    return;
  }
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= TOL, `${what}: scikit-learn ${expected}, medpipe ${actual}`);
}

/** scikit-learn 1.2 prints supports as floats ("3.0") when no prediction is right; medpipe prints integers. */
const intSupports = (text: string) => text.replace(/ (\d+)\.0$/gm, (_m, d: string) => `   ${d}`);

function reference(cases: readonly object[]): any[] {
  const dir = mkdtempSync(join(tmpdir(), 'medpipe-sklearn-mc-'));
  try {
    const input = join(dir, 'cases.json');
    writeFileSync(input, JSON.stringify({ cases }));
    const run = spawnSync(PYTHON, [SCRIPT, input], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.is(run.status, 0, `sklearn_check.py failed: ${run.stderr}`);
    const out = JSON.parse(run.stdout) as { sklearn: string; results: any[] };
    console.log(`  compared ${cases.length} cases with scikit-learn ${out.sklearn}`);
    return out.results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const Sk = suite('multi-class and multi-label metrics: equal to scikit-learn');
const it = requires(Sk, sklearn());

it('multi-class and ordinal: every metric, the confusion matrix and the report, on random, tied and degenerate cases', () => {
  const cases = classCases();
  const refs = reference(cases);
  cases.forEach((c, i) => {
    const ref = refs[i];
    const tag = `case ${i} (${c.task}, K=${c.classNames.length}, n=${c.labels.length})`;
    const m = multiclassMetrics(c.labels, c.probabilities, c.classNames, { task: c.task });
    for (const key of ['accuracy', 'balancedAccuracy', 'kappa', 'logLoss'] as const) same(m[key], ref[key], `${tag} ${key}`);
    if (c.task === 'ordinal') {
      for (const key of ['quadraticWeightedKappa', 'meanAbsoluteError', 'withinOneGradeAccuracy'] as const) same(m[key], ref[key], `${tag} ${key}`);
    } else assert.is(m.quadraticWeightedKappa, undefined, 'QWK only for ordinal tasks');
    assert.equal(Object.keys(m.topKAccuracy), Object.keys(ref.topKAccuracy));
    for (const [k, v] of Object.entries(m.topKAccuracy)) same(v, ref.topKAccuracy[k], `${tag} top-${k}`);
    assert.equal(m.confusionMatrix, ref.confusionMatrix, `${tag} confusion matrix`);
    c.classNames.forEach((name, j) => {
      for (const key of ['precision', 'recall', 'f1', 'support', 'specificity', 'auc', 'averagePrecision'] as const)
        same(m.perClass[name]![key], ref.perClass[j][key], `${tag} ${name} ${key}`);
    });
    for (const average of ['macro', 'weighted'] as const) {
      for (const key of ['precision', 'recall', 'f1', 'specificity', 'auc', 'averagePrecision'] as const)
        same(m[average][key], ref[average][key], `${tag} ${average} ${key}`);
    }
    same(m.auc, ref.macro.auc, `${tag} auc (macro OvR)`);
    if (ref.sklearnMeans)
      assert.is(
        m.notes.some((n) => n.includes('have no sample here')),
        false,
        `${tag}: no note when every class is present`,
      );
    else
      assert.ok(
        m.notes.some((n) => n.includes('have no sample here')),
        `${tag}: an absent class is explained in notes`,
      );
    const report = classificationReport(c.labels, c.probabilities.map(argmax), c.classNames, { digits: c.digits });
    assert.fixture(report.text, intSupports(ref.reportText), `${tag} report text`);
  });
});

it('multi-label: per-label and averaged metrics, hamming loss, subset accuracy, max-F1 thresholds and the report', () => {
  const cases = labelCases();
  const refs = reference(cases);
  cases.forEach((c, i) => {
    const ref = refs[i];
    const tag = `case ${i} (multilabel, K=${c.classNames.length}, n=${c.labels.length})`;
    const m = multilabelMetrics(c.labels, c.scores, c.classNames, c.thresholds);
    for (const key of ['auc', 'weightedAuc', 'microAuc', 'averagePrecision', 'microAveragePrecision', 'hammingLoss', 'subsetAccuracy'] as const)
      same(m[key], ref[key], `${tag} ${key}`);
    c.classNames.forEach((name, j) => {
      for (const key of ['precision', 'recall', 'f1', 'support', 'specificity', 'auc', 'averagePrecision'] as const)
        same(m.perLabel[name]![key], ref.perLabel[j][key], `${tag} ${name} ${key}`);
      same(
        thresholdForMaxF1(
          c.labels.map((r) => r[j]!),
          c.scores.map((r) => r[j]!),
        ),
        ref.thresholdForMaxF1[j],
        `${tag} ${name} max-F1 threshold`,
      );
    });
    for (const average of ['micro', 'macro', 'weighted', 'samples'] as const) {
      for (const key of ['precision', 'recall', 'f1'] as const) same(m[average][key], ref[average][key], `${tag} ${average} ${key}`);
    }
    for (const average of ['micro', 'macro', 'weighted'] as const) same(m[average].specificity, ref[average].specificity, `${tag} ${average} specificity`);
    const predicted = c.scores.map((row) => row.map((s, j) => (s >= c.thresholds[j]! ? 1 : 0)));
    assert.fixture(multilabelReport(c.labels, predicted, c.classNames, { digits: c.digits }).text, intSupports(ref.reportText), `${tag} report text`);
  });
});

Sk.run();
