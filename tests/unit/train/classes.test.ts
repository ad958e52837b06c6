// K classes and findings in the training library: losses against their formulas, oversampling of
// every smaller class, per-finding weights, heads, and a short K-way fit whose logs carry the
// K-class epoch metrics (and leak no tensors).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { categoricalCrossEntropy, categoricalFocalLoss, binaryCrossEntropy, focalLoss, labelWeights, perLabel } from '../../../src/train/losses.ts';
import { lossFor } from '../../../src/train/loss-for.ts';
import { epochOrder, fitModel, predictScores, type FitData } from '../../../src/train/fit.ts';
import { tutorialCnn } from '../../../src/train/model.ts';
import { compactCnn } from '../../../src/train/compact-cnn.ts';
import { headFor } from '../../../src/train/build-model.ts';
import { fitTaskProblems } from '../../../src/train/fit-task.ts';
import { classEpochMetrics, labelEpochMetrics, multiclassMetrics, rowsOf } from '../../../src/metrics/index.ts';
import { throwsCode } from '../../helpers/expect-error.ts';
import { classData } from '../../helpers/class-data.ts';
import { createRng, deriveSeed, shuffleInPlace } from '../../../src/base/rng.ts';

const close = (actual: number, expected: number, msg: string, tol = 1e-6): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${msg}: expected ${expected}, got ${actual}`);
};
const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

const K = suite('training with K classes and findings');
K.before(async () => {
  await tf.setBackend('cpu');
});

K('categorical cross-entropy: −mean log p(true class), rows renormalised; weights multiply per sample', () => {
  const y = tf.tensor1d([0, 2]);
  const p = tf.tensor2d([
    [0.7, 0.2, 0.1],
    [0.2, 0.2, 0.6],
  ]);
  close(value(categoricalCrossEntropy(3)(y, p)), -(Math.log(0.7) + Math.log(0.6)) / 2, 'cce');
  const unnormalised = tf.tensor2d([
    [1.4, 0.4, 0.2],
    [0.2, 0.2, 0.6],
  ]);
  close(value(categoricalCrossEntropy(3)(y, unnormalised)), -(Math.log(0.7) + Math.log(0.6)) / 2, 'renormalised like Keras');
  const w = tf.tensor1d([2, 0]);
  close(value(categoricalCrossEntropy(3)(y, p, w)), (-2 * Math.log(0.7)) / 2, 'weighted');
  tf.dispose([y, p, unnormalised, w]);
});

K('categorical focal: γ = 0, α = 1 is the cross-entropy; γ > 0 down-weights confident hits', () => {
  const y = tf.tensor1d([0, 1]);
  const p = tf.tensor2d([
    [0.9, 0.1],
    [0.4, 0.6],
  ]);
  const ce = value(categoricalCrossEntropy(2)(y, p));
  close(value(categoricalFocalLoss(2, { gamma: 0, alpha: 1 })(y, p)), ce, 'γ=0, α=1');
  const expected = (-0.25 * (0.1 ** 2 * Math.log(0.9) + 0.4 ** 2 * Math.log(0.6))) / 2;
  close(value(categoricalFocalLoss(2, { gamma: 2, alpha: 0.25 })(y, p)), expected, 'γ=2, α=0.25');
  throwsCode(() => categoricalFocalLoss(2, { gamma: -1 }), 'INVALID_CONFIG', /gamma must be >= 0/);
  tf.dispose([y, p]);
});

K('per-finding losses: the mean over every (sample, finding); per-element or per-sample weights', () => {
  const y = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const p = tf.tensor2d([
    [0.8, 0.3],
    [0.4, 0.9],
  ]);
  const expected = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.6) + Math.log(0.9)) / 4;
  close(value(perLabel(binaryCrossEntropy, 2)(y, p)), expected, 'bce per finding');
  close(value(perLabel(binaryCrossEntropy, 2)(y, p, tf.tensor1d([1, 0]))), -(Math.log(0.8) + Math.log(0.7)) / 4, 'per-sample weights tile over findings');
  close(value(perLabel(focalLoss({ gamma: 0, alpha: 0.5 }), 2)(y, p)), expected / 2, 'focal γ=0 α=0.5 is half BCE');
  tf.dispose([y, p]);
});

K("lossFor: each task's default, and a loss of another task is an error that names the right one", () => {
  assert.is(lossFor(undefined, {}), binaryCrossEntropy);
  throwsCode(() => lossFor('binaryCrossentropy', { task: 'multiclass', classes: 4 }), 'INVALID_CONFIG', /'binaryCrossentropy' does not fit a multiclass task/);
  throwsCode(
    () => lossFor('categoricalCrossentropy', { task: 'multilabel', classes: 4 }),
    'INVALID_CONFIG',
    /'categoricalCrossentropy' does not fit a multilabel task/,
  );
  const y = tf.tensor1d([1]);
  const p = tf.tensor2d([[0.25, 0.75]]);
  close(value(lossFor(undefined, { task: 'ordinal', classes: 2 })(y, p)), -Math.log(0.75), 'ordinal defaults to categorical');
  tf.dispose([y, p]);
  assert.equal(fitTaskProblems({ oversample: true, earlyStopping: { monitor: 'val_qwk' } }, 'multilabel').length, 2);
  assert.equal(fitTaskProblems({ earlyStopping: { monitor: 'val_qwk' } }, 'ordinal'), []);
});

K('oversampling K classes: each smaller class repeated up to the largest; two classes exactly as before', () => {
  const labels = Float32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3]);
  const order = Array.from(epochOrder(labels, true, 7, 1));
  const counts = [0, 1, 2, 3].map((c) => order.filter((i) => labels[i] === c).length);
  assert.equal(counts, [6, 6, 6, 6]);
  for (let i = 0; i < labels.length; i++) assert.ok(order.includes(i), `sample ${i} kept`);
  // Two classes give exactly the order of the binary-only algorithm (so binary runs keep their results).
  const binary = Float32Array.from([1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  const pos = [0, 6];
  const rng = createRng(deriveSeed(3, 'oversample', 1));
  const extra = Array.from({ length: 6 }, () => pos[rng.int(pos.length)]!);
  const old = shuffleInPlace(Int32Array.from([...binary.keys(), ...extra]), createRng(deriveSeed(3, 'shuffle', 1)));
  assert.equal(Array.from(epochOrder(binary, true, 3, 1)), Array.from(old));
});

K("per-finding 'balanced' weights: scikit-learn's n / (2 · count) for each finding's positives and negatives", () => {
  // Finding 0: 1 positive of 4 → positives 4/2 = 2, negatives 4/6; finding 1 present in every sample → 1.
  const labels = Float32Array.from([1, 1, 0, 1, 0, 1, 0, 1]);
  const weights = labelWeights(labels, 2)(labels);
  const expected = [2, 1, 4 / 6, 1, 4 / 6, 1, 4 / 6, 1];
  expected.forEach((w, i) => close(weights[i]!, w, `element ${i}`));
});

K('heads: Dense(1, sigmoid) binary, Dense(K, softmax) multi-class, Dense(K, sigmoid) findings', () => {
  assert.equal(headFor('binary', 2), { units: 1, activation: 'sigmoid' });
  assert.equal(headFor('ordinal', 5), { units: 5, activation: 'softmax' });
  assert.equal(headFor('multilabel', 14), { units: 14, activation: 'sigmoid' });
  const model = tutorialCnn([8, 8, 1], { filters: [2, 2] }, 1, headFor('multiclass', 4));
  assert.equal(model.outputs[0]!.shape, [null, 4]);
  const out = model.predict(tf.zeros([2, 8, 8, 1])) as tf.Tensor;
  Array.from(tf.sum(out, 1).dataSync()).forEach((s) => close(s, 1, 'softmax rows sum to 1', 1e-5));
  tf.dispose([out]);
  model.dispose();
});

K('the compact CNN: conv + pool blocks, the task head, seeded weights, a clear error for images too small', () => {
  const a = compactCnn([16, 16, 1], { filters: [2, 4] }, 5, headFor('multiclass', 3));
  const b = compactCnn([16, 16, 1], { filters: [2, 4] }, 5, headFor('multiclass', 3));
  assert.equal(a.outputs[0]!.shape, [null, 3]);
  assert.equal(
    a.layers.map((l) => l.getClassName()),
    ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense'],
  );
  assert.equal(
    a.getWeights().map((t) => Array.from(t.dataSync())),
    b.getWeights().map((t) => Array.from(t.dataSync())),
    'same seed, same weights',
  );
  throwsCode(() => compactCnn([4, 4, 1], { filters: [2, 2, 2] }, 1), 'SHAPE_MISMATCH', /too small for 3 pooling blocks/);
  a.dispose();
  b.dispose();
});

K('fit with a 3-way softmax: K-class epoch metrics, val_auc = macro one-vs-rest, early stopping on it, no tensor leaks', async () => {
  const train = classData(30, 3, 1);
  const val = classData(15, 3, 2);
  const model = tutorialCnn([8, 8, 1], { filters: [2, 2] }, 3, headFor('multiclass', 3));
  const before = tf.memory().numTensors;
  const result = await fitModel(model, train, val, {
    epochs: 2,
    batchSize: 8,
    seed: 1,
    loss: 'categoricalCrossentropy',
    oversample: true,
    classWeight: 'balanced',
    metrics: (labels, scores) => classEpochMetrics(labels, scores, 3, false),
    earlyStopping: { monitor: 'val_auc', restoreBestWeights: true },
  });
  assert.is(tf.memory().numTensors, before, 'no tensors left behind');
  assert.equal(Object.keys(result.history[0]!), [
    'loss',
    'accuracy',
    'balanced_accuracy',
    'auc',
    'kappa',
    'val_loss',
    'val_accuracy',
    'val_balanced_accuracy',
    'val_auc',
    'val_kappa',
  ]);
  const scores = await predictScores(model, val);
  assert.is(scores.length, 15 * 3, 'three probabilities per image');
  const m = multiclassMetrics(Array.from(val.y), rowsOf(scores, 3), ['a', 'b', 'c']);
  close(result.history[result.bestEpoch - 1]!.val_auc!, m.auc, 'val_auc is the macro one-vs-rest AUC of the final (restored) weights', 1e-12);
  model.dispose();
});

K('fit with K findings: per-finding BCE, label epoch metrics; oversampling is refused', async () => {
  const k = 3;
  const base = classData(24, k, 4);
  const y = new Float32Array(24 * k);
  for (let i = 0; i < 24; i++) {
    y[i * k + base.y[i]!] = 1;
    if (i % 4 === 0) y[i * k + ((base.y[i]! + 1) % k)] = 1;
  }
  const data: FitData = { ...base, y, task: 'multilabel', classes: k };
  const model = tutorialCnn([8, 8, 1], { filters: [2, 2] }, 3, headFor('multilabel', k));
  const result = await fitModel(model, data, data, {
    epochs: 1,
    batchSize: 8,
    seed: 1,
    classWeight: 'balanced',
    metrics: (l, s) => labelEpochMetrics(l, s, k),
  });
  assert.ok(['auc', 'micro_auc', 'hamming_loss', 'subset_accuracy'].every((key) => Number.isFinite(result.history[0]![`val_${key}`]!)));
  let refused = false;
  try {
    await fitModel(model, data, data, { epochs: 1, batchSize: 8, seed: 1, oversample: true, metrics: () => ({}) });
  } catch (error) {
    refused = /classWeight: 'balanced'/.test((error as { fix?: string }).fix ?? '');
  }
  assert.ok(refused, 'oversample on findings names classWeight instead');
  model.dispose();
});

K.run();
