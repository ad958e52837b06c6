import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../../../src/base/errors.ts';
import { binaryCrossEntropy, classWeights, EPSILON, focalLoss, sampleWeightsFor } from '../../../src/train/losses.ts';
import { throwsCode } from '../../helpers/expect-error.ts';

const close = (actual: number, expected: number, msg: string, tol = 1e-6): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${msg}: expected ${expected}, got ${actual}`);
};
const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

const Losses = suite('losses');

Losses.before(async () => {
  await tf.setBackend('cpu');
});

Losses('binary cross-entropy equals the hand-computed mean', () => {
  const y = tf.tensor1d([1, 0, 1]);
  const p = tf.tensor2d([[0.8], [0.3], [0.6]]);
  const expected = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.6)) / 3;
  close(value(binaryCrossEntropy(y, p)), expected, 'bce');
  // Sample weights: mean of w_i · l_i (divided by the batch size, like Keras).
  const w = tf.tensor1d([2, 1, 0]);
  close(value(binaryCrossEntropy(y, p, w)), (-2 * Math.log(0.8) - Math.log(0.7)) / 3, 'weighted bce');
  tf.dispose([y, p, w]);
});

Losses('binary cross-entropy clips like Keras so certain mistakes stay finite', () => {
  const y = tf.tensor1d([1, 0]);
  const p = tf.tensor1d([0, 1]);
  const v = value(binaryCrossEntropy(y, p));
  assert.ok(Number.isFinite(v), 'finite');
  // y=1, p=0 -> p clipped to eps: -log(2 eps). y=0, p=1 -> p clipped to float32(1 - eps).
  const high = Math.fround(1 - EPSILON);
  close(v, (-Math.log(2 * EPSILON) - Math.log(1 - high + EPSILON)) / 2, 'clipped value', 1e-4);
  tf.dispose([y, p]);
});

Losses('focal loss with gamma 0 and alpha 0.5 is half the cross-entropy', () => {
  const y = tf.tensor1d([1, 0, 1, 0]);
  const p = tf.tensor1d([0.9, 0.2, 0.3, 0.65]);
  const bce = value(binaryCrossEntropy(y, p));
  close(value(focalLoss({ gamma: 0, alpha: 0.5 })(y, p)), bce / 2, 'FL(0, 0.5) = BCE / 2');
  tf.dispose([y, p]);
});

Losses('focal loss matches Lin et al. by hand (gamma 2, alpha 0.25 default)', () => {
  const y = tf.tensor1d([1, 0]);
  const p = tf.tensor1d([0.9, 0.2]);
  // positive: -0.25 · (1 - 0.9)^2 · ln 0.9 ; negative: -0.75 · (1 - 0.8)^2 · ln 0.8
  const pos = -0.25 * 0.01 * Math.log(0.9);
  const neg = -0.75 * 0.04 * Math.log(0.8);
  close(value(focalLoss()(y, p)), (pos + neg) / 2, 'default focal', 1e-7);
  close(value(focalLoss({ gamma: 1, alpha: 0.6 })(y, p)), (-0.6 * 0.1 * Math.log(0.9) - 0.4 * 0.2 * Math.log(0.8)) / 2, 'gamma 1 alpha 0.6', 1e-7);
  // alpha = 1: negatives contribute nothing.
  close(value(focalLoss({ gamma: 2, alpha: 1 })(y, p)), (-0.01 * Math.log(0.9)) / 2, 'alpha 1', 1e-7);
  // Easy examples are down-weighted far more than hard ones.
  const easy = tf.tensor1d([0.99]);
  const hard = tf.tensor1d([0.4]);
  const one = tf.tensor1d([1]);
  const ratioFocal = value(focalLoss()(one, hard)) / value(focalLoss()(one, easy));
  const ratioBce = value(binaryCrossEntropy(one, hard)) / value(binaryCrossEntropy(one, easy));
  assert.ok(ratioFocal > 100 * ratioBce, `focal focuses on hard examples (${ratioFocal} vs ${ratioBce})`);
  tf.dispose([y, p, easy, hard, one]);
});

Losses('focal loss applies sample weights and rejects bad options', () => {
  const y = tf.tensor1d([1, 0]);
  const p = tf.tensor1d([0.9, 0.2]);
  const w = tf.tensor1d([0, 3]);
  close(value(focalLoss()(y, p, w)), (3 * -0.75 * 0.04 * Math.log(0.8)) / 2, 'weighted focal', 1e-7);
  throwsCode(() => focalLoss({ gamma: -1 }), 'INVALID_CONFIG', /gamma/);
  throwsCode(() => focalLoss({ alpha: 1.5 }), 'INVALID_CONFIG', /alpha/);
  tf.dispose([y, p, w]);
});

Losses('losses leak no tensors', () => {
  const y = tf.tensor1d([1, 0]);
  const p = tf.tensor1d([0.9, 0.2]);
  const before = tf.memory().numTensors;
  binaryCrossEntropy(y, p).dispose();
  focalLoss()(y, p).dispose();
  assert.is(tf.memory().numTensors, before);
  tf.dispose([y, p]);
});

Losses("classWeights 'balanced' equals scikit-learn's compute_class_weight", () => {
  // sklearn: compute_class_weight('balanced', classes=[0, 1], y=[0]*8 + [1]*2) -> [0.625, 2.5]
  assert.equal(classWeights([0, 0, 0, 0, 0, 0, 0, 0, 1, 1], 'balanced'), { 0: 0.625, 1: 2.5 });
  // y = [0, 0, 0, 1] -> [4 / 6, 2]
  const w = classWeights(new Float32Array([0, 0, 0, 1]), 'balanced');
  close(w[0], 2 / 3, 'class 0', 1e-15);
  close(w[1], 2, 'class 1', 1e-15);
  // Three classes: 6 / (3 · count).
  assert.equal(classWeights([0, 1, 1, 2, 2, 2], 'balanced'), { 0: 2, 1: 1, 2: 6 / 9 });
  // One class present: weight 1.
  assert.equal(classWeights([1, 1, 1], 'balanced'), { 1: 1 });
});

Losses('classWeights checks explicit weights and maps them to samples', () => {
  assert.equal(classWeights([0, 1], { 0: 1, 1: 3 }), { 0: 1, 1: 3 });
  throwsCode(() => classWeights([0, 1], { 0: 1 }), 'INVALID_CONFIG', /no weight for class 1/);
  throwsCode(() => classWeights([0, 1], { 0: 1, 1: -2 }), 'INVALID_CONFIG', /class 1/);
  throwsCode(() => classWeights([0, 0.5], 'balanced'), 'INVALID_CONFIG', /integer class labels/);
  throwsCode(() => classWeights([], 'balanced'), 'NO_SAMPLES', /at least one/);
  assert.equal(Array.from(sampleWeightsFor(new Float32Array([1, 0, 1]), { 0: 0.5, 1: 4 })), [4, 0.5, 4]);
});

Losses.run();
