import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MedpipeError } from '../../../src/base/errors.ts';
import {
  averagePrecision,
  binaryMetrics,
  classificationReport,
  confusionAt,
  epochMetrics,
  EPOCH_METRIC_KEYS,
  precisionRecallCurve,
  pyFixed,
  rocAuc,
  rocCurve,
  specificityAtSensitivity,
  thresholdForSensitivity,
} from '../../../src/metrics/index.ts';
import { prng as rng } from '../../helpers/prng.ts';
import { throwsCode } from '../../helpers/expect-error.ts';

const close = (actual: number, expected: number, msg?: string, tol = 1e-12): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? 'value'}: expected ${expected}, got ${actual}`);
};
const closeAll = (actual: readonly number[], expected: readonly number[], msg: string): void => {
  assert.is(actual.length, expected.length, `${msg}: length`);
  actual.forEach((a, i) => close(a, expected[i], `${msg}[${i}]`));
};

// scikit-learn's documented example: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8].
const Y = [0, 0, 1, 1];
const S = [0.1, 0.4, 0.35, 0.8];

const handCases = suite('metrics: hand-computed');

handCases('ROC curve, AUC, PR curve and AP of the scikit-learn example', () => {
  const roc = rocCurve(Y, S);
  closeAll(roc.fpr, [0, 0, 0.5, 0.5, 1], 'fpr');
  closeAll(roc.tpr, [0, 0.5, 0.5, 1, 1], 'tpr');
  closeAll(roc.thresholds, [1.8, 0.8, 0.4, 0.35, 0.1], 'thresholds');
  close(rocAuc(Y, S), 0.75, 'auc');
  const pr = precisionRecallCurve(Y, S);
  closeAll(pr.precision, [0.5, 2 / 3, 0.5, 1, 1], 'precision');
  closeAll(pr.recall, [1, 1, 0.5, 0.5, 0], 'recall');
  closeAll(pr.thresholds, [0.1, 0.35, 0.4, 0.8], 'pr thresholds');
  // 0.5 * 1 (threshold 0.8) + 0 (0.4) + 0.5 * 2/3 (0.35) + 0 (0.1)
  close(averagePrecision(Y, S), 5 / 6, 'ap');
});

handCases('threshold 0.5: every count metric', () => {
  const m = binaryMetrics(Y, S);
  assert.equal({ tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn }, { tp: 1, fp: 0, tn: 2, fn: 1 });
  close(m.accuracy, 0.75, 'accuracy');
  close(m.precision, 1, 'precision');
  close(m.recall, 0.5, 'recall = sensitivity = TP/(TP+FN)');
  close(m.specificity, 1, 'specificity = TN/(TN+FP)');
  close(m.npv, 2 / 3, 'npv = TN/(TN+FN)');
  close(m.f1, 2 / 3, 'f1');
  close(m.balancedAccuracy, 0.75, 'balanced accuracy');
  // p_o = 0.75, p_e = (1*2 + 3*2)/16 = 0.5 → (0.75 - 0.5) / 0.5
  close(m.kappa, 0.5, 'kappa');
  close(m.auc, 0.75, 'auc');
  close(m.specificityAtSensitivity, 0.5, 'spec@0.8');
  assert.is(m.threshold, 0.5);
  assert.is(m.sensitivityTarget, 0.8);
  assert.equal(m.support, { positive: 2, negative: 2 });
  assert.equal(m.notes, []);
});

handCases('a score equal to the threshold is predicted positive', () => {
  assert.equal(confusionAt([1, 0, 0], [0.5, 0.5, 0.49999]), { tp: 1, fp: 1, tn: 1, fn: 0 });
  assert.equal(confusionAt([1, 0], [0.3, 0.2], 0.3), { tp: 1, fp: 0, tn: 1, fn: 0 });
});

handCases('specificity at sensitivity and the threshold that reaches it', () => {
  close(specificityAtSensitivity(Y, S, 0.8), 0.5);
  assert.is(thresholdForSensitivity(Y, S, 0.8), 0.35);
  close(specificityAtSensitivity(Y, S, 0.5), 1);
  assert.is(thresholdForSensitivity(Y, S, 0.5), 0.8);
  close(specificityAtSensitivity(Y, S, 1), 0.5);
  // 10 positives: sensitivity 8/10 is exactly 0.8 and must count as reaching 0.8.
  const labels = [...Array(10).fill(1), ...Array(10).fill(0)];
  const scores = [...Array.from({ length: 10 }, (_, i) => 1 - i / 20), ...Array.from({ length: 10 }, (_, i) => 0.6 - i / 20)];
  // positives 1.0 … 0.55, negatives 0.6 … 0.15: the 8th positive is 0.65, above every negative.
  assert.is(thresholdForSensitivity(labels, scores, 0.8), scores[7]);
  close(specificityAtSensitivity(labels, scores, 0.8), 1);
  close(specificityAtSensitivity(labels, scores, 0.9), 0.9);
});

handCases('ties: tied scores are one threshold, whatever their order', () => {
  close(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]), 0.5, 'all tied');
  const roc = rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]);
  closeAll(roc.fpr, [0, 1], 'tied fpr');
  closeAll(roc.tpr, [0, 1], 'tied tpr');
  // Mann-Whitney by hand: pairs (p, n) 0.9/0.9 → ½, 0.9/0.3 → 1, 0.3/0.3 → ½, the rest 0: 2 of 6.
  const y = [1, 0, 1, 0, 1];
  const s = [0.9, 0.9, 0.3, 0.3, 0.1];
  close(rocAuc(y, s), 1 / 3, 'auc with ties');
  close(rocAuc([0, 1, 0, 1, 1], [0.9, 0.9, 0.3, 0.3, 0.1]), 1 / 3, 'reordered ties');
  // A tie straddling the 0.8 target: both tied positives enter together.
  assert.is(thresholdForSensitivity([1, 1, 1, 0, 0], [0.9, 0.5, 0.5, 0.5, 0.1], 0.8), 0.5);
  close(specificityAtSensitivity([1, 1, 1, 0, 0], [0.9, 0.5, 0.5, 0.5, 0.1], 0.8), 0.5);
  // PR curve of all-tied scores is one point plus the (recall 0, precision 1) end.
  const pr = precisionRecallCurve([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]);
  closeAll(pr.precision, [0.5, 1], 'tied precision');
  closeAll(pr.recall, [1, 0], 'tied recall');
});

handCases('signed zeros are one tie group', () => {
  close(rocAuc([0, 1], [-0, 0]), 0.5);
});

handCases('perfect and inverted classifiers', () => {
  const y = [1, 1, 0, 0];
  const perfect = binaryMetrics(y, [0.9, 0.8, 0.2, 0.1]);
  close(perfect.auc, 1);
  close(perfect.averagePrecision, 1);
  close(perfect.specificityAtSensitivity, 1);
  close(perfect.kappa, 1);
  close(perfect.f1, 1);
  const inverted = binaryMetrics(y, [0.1, 0.2, 0.8, 0.9]);
  close(inverted.auc, 0);
  // ranks: 0.9 n, 0.8 n, 0.2 p (P 1/3, R 1/2), 0.1 p (P 1/2, R 1)
  close(inverted.averagePrecision, 0.5 / 3 + 0.25);
  close(inverted.specificityAtSensitivity, 0, 'needs every sample positive to reach 0.8');
  close(inverted.accuracy, 0);
  close(inverted.kappa, -1);
});

handCases('all predictions one class: zero division follows scikit-learn (0) with a note', () => {
  const none = binaryMetrics(Y, S, { threshold: 0.99 });
  assert.equal([none.tp, none.fp, none.tn, none.fn], [0, 0, 2, 2]);
  assert.is(none.precision, 0);
  assert.is(none.f1, 0);
  assert.is(none.recall, 0);
  close(none.npv, 0.5);
  assert.is(none.kappa, 0);
  close(none.balancedAccuracy, 0.5);
  assert.ok(
    none.notes.some((n) => n.startsWith('precision:')),
    none.notes.join('\n'),
  );
  const all = binaryMetrics(Y, S, { threshold: 0 });
  assert.equal([all.tp, all.fp, all.tn, all.fn], [2, 2, 0, 0]);
  assert.is(all.npv, 0);
  assert.is(all.specificity, 0);
  assert.ok(all.notes.some((n) => n.startsWith('npv:')));
});

handCases('a single class: ranking metrics are NaN, serialised as null, with a note', () => {
  const m = binaryMetrics([1, 1, 1], [0.2, 0.6, 0.9]);
  assert.ok(Number.isNaN(m.auc) && Number.isNaN(m.averagePrecision) && Number.isNaN(m.specificityAtSensitivity));
  close(m.recall, 2 / 3);
  assert.is(m.specificity, 0, 'no negatives: 0 as scikit-learn');
  close(m.balancedAccuracy, 2 / 3, 'scikit-learn drops the absent class');
  assert.is(m.kappa, 0, 'predictions are mixed, so kappa is defined');
  const json = JSON.parse(JSON.stringify(m));
  assert.is(json.auc, null);
  assert.is(json.averagePrecision, null);
  assert.is(json.specificityAtSensitivity, null);
  assert.ok(
    m.notes.some((n) => /auc, averagePrecision, specificityAtSensitivity: only positive/.test(n)),
    m.notes.join('\n'),
  );

  const negatives = binaryMetrics([0, 0], [0.1, 0.2]);
  assert.ok(Number.isNaN(negatives.auc));
  assert.ok(Number.isNaN(negatives.kappa), 'labels and predictions all 0: kappa is 0/0');
  assert.ok(negatives.notes.some((n) => n.startsWith('kappa:')));
  assert.is(negatives.balancedAccuracy, 1);
  assert.ok(Number.isNaN(rocAuc([0, 0], [0.1, 0.2])));
  assert.ok(Number.isNaN(averagePrecision([1, 1], [0.1, 0.2])));
  const roc = rocCurve([0, 0], [0.1, 0.2]);
  assert.ok(roc.tpr.every(Number.isNaN), 'tpr is 0/0 like scikit-learn');
  closeAll(roc.fpr, [0, 0.5, 1], 'fpr still defined');
  throwsCode(() => thresholdForSensitivity([0, 0], [0.1, 0.2], 0.8), 'NO_SAMPLES', /no positive sample/);
});

handCases('bad input gives a clear error', () => {
  throwsCode(() => binaryMetrics([], []), 'NO_SAMPLES', /empty/);
  throwsCode(() => rocAuc([], []), 'NO_SAMPLES', /empty/);
  throwsCode(() => confusionAt([0, 1], [0.5]), 'SHAPE_MISMATCH', /2 labels but 1 scores/);
  throwsCode(() => rocAuc([0, 2], [0.1, 0.2]), 'INVALID_CONFIG', /Label 2 at index 1/);
  throwsCode(() => rocAuc([0, 1], [0.1, Number.NaN]), 'INVALID_CONFIG', /index 1 is NaN/);
  throwsCode(() => specificityAtSensitivity(Y, S, 0), 'INVALID_CONFIG', /not in \(0, 1\]/);
  throwsCode(() => binaryMetrics(Y, S, { threshold: Number.NaN }), 'INVALID_CONFIG', /threshold/);
  throwsCode(() => classificationReport([0, 1], [0, 1], ['only one']), 'INVALID_CONFIG', /two class names/);
  throwsCode(() => classificationReport([0, 1], [0, 0.7], ['a', 'b']), 'INVALID_CONFIG', /Prediction 0.7/);
});

handCases('typed arrays are accepted', () => {
  close(rocAuc(new Uint8Array(Y), new Float32Array(S)), 0.75);
});

const report = suite('metrics: classification report');

report('text matches scikit-learn character for character', () => {
  const r = classificationReport([0, 1, 1], [0, 1, 0], ['normal', 'pneumonia']);
  // Output of sklearn 1.2 classification_report([0,1,1],[0,1,0],target_names=['normal','pneumonia'])
  const expected = [
    '              precision    recall  f1-score   support',
    '',
    '      normal       0.50      1.00      0.67         1',
    '   pneumonia       1.00      0.50      0.67         2',
    '',
    '    accuracy                           0.67         3',
    '   macro avg       0.75      0.75      0.67         3',
    'weighted avg       0.83      0.67      0.67         3',
    '',
  ].join('\n');
  assert.fixture(r.text, expected);
  close(r.rows[0].precision, 0.5);
  close(r.rows[1].recall, 0.5);
  close(r.weightedAvg.precision, 2.5 / 3);
  close(r.accuracy, 2 / 3);
});

report('python-style rounding of exact ties', () => {
  assert.is(pyFixed(0.125, 2), '0.12');
  assert.is(pyFixed(0.375, 2), '0.38');
  assert.is(pyFixed(0.625, 2), '0.62');
  assert.is(pyFixed(2.5, 0), '2');
  assert.is(pyFixed(1.5, 0), '2');
  assert.is(pyFixed(0.005, 2), '0.01', '0.005 is slightly above the tie as a double');
  assert.is(pyFixed(1.005, 2), '1.00', '1.005 is slightly below the tie as a double');
  assert.is(pyFixed(2 / 3, 2), '0.67');
  assert.is(pyFixed(0, 2), '0.00');
});

const props = suite('metrics: against brute force on random data');

props('AUC = Mann-Whitney, spec@sens = brute force over thresholds, threshold consistent', () => {
  const rand = rng(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 2 + Math.floor(rand() * 40);
    const labels = Array.from({ length: n }, () => (rand() < 0.4 ? 1 : 0));
    labels[0] = 1;
    labels[1] = 0;
    const scores = Array.from({ length: n }, () => Math.round(rand() * 8) / 8); // many ties
    let u = 0;
    let p = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== 1) continue;
      p++;
      for (let j = 0; j < n; j++) if (labels[j] === 0) u += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
    q = n - p;
    close(rocAuc(labels, scores), u / (p * q), `auc trial ${trial}`);
    const target = [0.5, 0.8, 0.95, 1][trial % 4];
    let best = -1;
    for (const t of new Set(scores)) {
      const c = confusionAt(labels, scores, t);
      if (c.tp / (c.tp + c.fn) >= target) best = Math.max(best, c.tn / (c.tn + c.fp));
    }
    close(specificityAtSensitivity(labels, scores, target), best, `spec@sens trial ${trial}`);
    const t = thresholdForSensitivity(labels, scores, target);
    const c = confusionAt(labels, scores, t);
    assert.ok(c.tp / p >= target, 'the chosen threshold reaches the target');
    close(c.tn / q, best, 'and gives the best specificity');
    const higher = scores.filter((s) => s > t);
    if (higher.length > 0) {
      const c2 = confusionAt(labels, scores, Math.min(...higher));
      assert.ok(c2.tp / p < target, 'the next higher threshold misses the target');
    }
  }
});

const epoch = suite('metrics: epochMetrics');

epoch('keys are exactly the logged ones, prefixed', () => {
  const m = epochMetrics(Y, S, 'val_');
  assert.equal(
    Object.keys(m),
    EPOCH_METRIC_KEYS.map((k) => `val_${k}`),
  );
  assert.equal(Object.keys(epochMetrics(Y, S)), ['tp', 'fp', 'tn', 'fn', 'accuracy', 'precision', 'recall', 'auc', 'specificity_at_sensitivity']);
  const full = binaryMetrics(Y, S);
  assert.is(m.val_tp, full.tp);
  assert.is(m.val_auc, full.auc);
  assert.is(m.val_precision, full.precision);
  assert.is(m.val_specificity_at_sensitivity, full.specificityAtSensitivity);
});

epoch('10^5 scores: the same as binaryMetrics on them (speed belongs to the benchmark)', () => {
  const rand = rng(3);
  const n = 100_000;
  const labels = new Uint8Array(n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rand() < 0.3 ? 1 : 0;
    scores[i] = Math.min(1, Math.max(0, rand() * 0.7 + labels[i] * 0.3));
  }
  const m = epochMetrics(labels, scores, 'val_');
  const full = binaryMetrics(labels, scores, { threshold: 0.5, sensitivity: 0.8 });
  assert.is(m.val_auc, full.auc);
  assert.is(m.val_tp, full.tp);
  assert.is(m.val_specificity_at_sensitivity, full.specificityAtSensitivity);
  assert.ok(m.val_auc > 0.7 && m.val_auc < 1);
});

handCases.run();
report.run();
props.run();
epoch.run();
