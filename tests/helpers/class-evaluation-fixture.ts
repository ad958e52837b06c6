/**
 * K-class and multi-label evaluation documents built from synthetic scores (no training), for the
 * report.html tests: real intervals, calibration and subgroups; class names that try to inject markup.
 */
import { createRng } from '../../src/base/rng.ts';
import { classClinicalEvaluation, labelClinicalEvaluation } from '../../src/metrics/class-clinical.ts';
import { multiclassMetrics, multilabelMetrics, precisionRecallCurve, rocAuc, rocCurve, averagePrecision } from '../../src/metrics/index.ts';
import type { ClassEvaluationDocument } from '../../src/report/class-evaluation-document.ts';

const context = (classes: readonly string[], n: number) => ({
  data: {
    classes,
    shape: [28, 28, 3],
    counts: { train: classes.map(() => 100), val: classes.map(() => 20), test: classes.map(() => Math.round(n / classes.length)) },
    groups: { train: 0, val: 0, test: 0 },
    audit: { duplicateContent: 0, sharedGroups: 0, examples: [] },
    preprocessing: [{ step: 'decode', size: [28, 28], channels: 3 }],
    attributes: ['site'],
  },
  model: { summary: 'Layer (type)  Output shape  Param #\ndense (Dense)  [null,4]  68' },
  training: { bestEpoch: 4, epochsRun: 5, stoppedEarly: false, restoredBest: true, backend: 'cpu' },
});
const history = Array.from({ length: 5 }, (_, e) => ({ loss: 1.4 - e * 0.1, val_loss: 1.45 - e * 0.08, auc: 0.6 + e * 0.07, val_auc: 0.58 + e * 0.06 }));

function curvesOf(columns: { name: string; y: number[]; s: number[] }[]) {
  const roc: Record<string, { fpr: number[]; tpr: number[]; thresholds: number[]; auc: number }> = {};
  const pr: Record<string, { precision: number[]; recall: number[]; thresholds: number[]; averagePrecision: number; prevalence: number }> = {};
  for (const { name, y, s } of columns) {
    roc[name] = { ...rocCurve(y, s, { dropIntermediate: true }), auc: rocAuc(y, s) };
    pr[name] = { ...precisionRecallCurve(y, s), averagePrecision: averagePrecision(y, s), prevalence: y.filter((v) => v === 1).length / y.length };
  }
  return { roc, pr };
}

/** An ordinal (or multi-class) evaluation of `n` test images over 4 grades, the last named with markup. */
export function classEvaluationFixture(task: 'multiclass' | 'ordinal' = 'ordinal', n = 160): ClassEvaluationDocument {
  const classes = ['0', '1', '2', '<i>3</i>'];
  const rng = createRng(4);
  const test = Array.from({ length: n }, (_, i) => {
    const label = i % 4;
    const z = classes.map((_, j) => Math.exp(rng.normal() + (j === label ? 1.5 : 0)));
    const sum = z.reduce((a, b) => a + b, 0);
    return { label, probabilities: z.map((v) => v / sum), attributes: { site: i < 20 ? 'small-site' : 'main' } };
  });
  const labels = test.map((t) => t.label);
  const rows = test.map((t) => t.probabilities);
  return {
    format: 'medpipe-class-evaluation',
    version: 1,
    split: 'test',
    task,
    classes,
    thresholdSource: 'none: the predicted class is the most probable one',
    metrics: multiclassMetrics(labels, rows, classes, { task }),
    clinical: classClinicalEvaluation(test, classes, task, { seed: 1, resamples: 200 }),
    context: context(classes, n),
    history,
    curves: curvesOf(classes.map((name, c) => ({ name, y: labels.map((y) => (y === c ? 1 : 0)), s: rows.map((r) => r[c]!) }))),
    gradCam: { method: 'hirescam', examples: [{ label: 2, predicted: 2, explained: 2, score: 0.8, file: 'plots/gradcam/00_2.png' }] },
  };
}

/** A multi-label evaluation of `n` test images over 3 findings. */
export function labelEvaluationFixture(n = 120): ClassEvaluationDocument {
  const classes = ['effusion', 'nodule', '<b>mass</b>'];
  const rng = createRng(9);
  const test = Array.from({ length: n }, (_, i) => {
    const labels = classes.map(() => (rng.next() < 0.35 ? 1 : 0));
    return { labels, scores: labels.map((y) => 1 / (1 + Math.exp(-(rng.normal() + 1.6 * y - 0.8)))), attributes: { site: i < 20 ? 'small-site' : 'main' } };
  });
  const thresholds = [0.5, 0.45, 0.55];
  return {
    format: 'medpipe-class-evaluation',
    version: 1,
    split: 'test',
    task: 'multilabel',
    classes,
    thresholds,
    thresholdSource: 'chosen per finding on the validation split for the highest F1, frozen before scoring test',
    metrics: multilabelMetrics(
      test.map((t) => t.labels),
      test.map((t) => t.scores),
      classes,
      thresholds,
    ),
    clinical: labelClinicalEvaluation(test, classes, thresholds, { seed: 1, resamples: 200 }),
    context: context(classes, n),
    history,
    curves: curvesOf(classes.map((name, j) => ({ name, y: test.map((t) => t.labels[j]!), s: test.map((t) => t.scores[j]!) }))),
    gradCam: { method: 'hirescam', examples: [{ label: 0, predicted: 0, explained: 0, score: 0.7, file: 'plots/gradcam/00_effusion.png' }] },
  };
}
