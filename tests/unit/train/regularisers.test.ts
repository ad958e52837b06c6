// Training regularisers of fit: label smoothing against Keras' formula, MixUp's Beta draws, batch mixes
// and loss identity, and the cosine learning-rate schedule; each wired through fitModel and checked to
// change training (and to replay with the same seed).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { categoricalCrossEntropy, categoricalFocalLoss } from '../../../src/train/losses.ts';
import { lossFor } from '../../../src/train/loss-for.ts';
import { fitModel, type FitOptions } from '../../../src/train/fit.ts';
import { fitTaskProblems } from '../../../src/train/fit-task.ts';
import { fitConfigSchema } from '../../../src/train/fit-config.ts';
import { betaSample, drawBatchMix, gammaSample, permuteRows } from '../../../src/train/mixup.ts';
import { cosineRate, scheduledRate } from '../../../src/train/lr-schedule.ts';
import { tutorialCnn } from '../../../src/train/model.ts';
import { headFor } from '../../../src/train/build-model.ts';
import { classEpochMetrics } from '../../../src/metrics/index.ts';
import { createRng } from '../../../src/base/rng.ts';
import { throwsCode } from '../../helpers/expect-error.ts';
import { classData } from '../../helpers/class-data.ts';

const R = suite('fit regularisers: label smoothing, MixUp, cosine schedule');
R.before(async () => {
  await tf.setBackend('cpu');
});

const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const close = (actual: number, expected: number, msg: string, tol = 1e-6): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${msg}: expected ${expected}, got ${actual}`);
};

R('label smoothing: −Σ_c ((1 − ε)·1[c = y] + ε/K) log p_c, as Keras; focal smooths the same targets', () => {
  const y = tf.tensor1d([0, 2]);
  const p = tf.tensor2d([
    [0.7, 0.2, 0.1],
    [0.2, 0.2, 0.6],
  ]);
  const eps = 0.1;
  const target = (row: number[], t: number) => -row.reduce((s, pc, c) => s + ((c === t ? 1 - eps : 0) + eps / 3) * Math.log(pc), 0);
  // Keras: CategoricalCrossentropy(label_smoothing=0.1)([[1,0,0],[0,0,1]], p) = 0.5·(target(row 0) + target(row 1)).
  const expected = (target([0.7, 0.2, 0.1], 0) + target([0.2, 0.2, 0.6], 2)) / 2;
  close(value(categoricalCrossEntropy(3, eps)(y, p)), expected, 'smoothed cross-entropy');
  close(value(categoricalCrossEntropy(3, 0)(y, p)), -(Math.log(0.7) + Math.log(0.6)) / 2, 'ε = 0 is the plain loss');
  close(value(lossFor(undefined, { task: 'ordinal', classes: 3 }, eps)(y, p)), expected, 'lossFor passes it to the default ordinal loss');
  const focalSmoothed = (row: number[], t: number) =>
    -row.reduce((s, pc, c) => s + 0.25 * (1 - pc) ** 2 * ((c === t ? 1 - eps : 0) + eps / 3) * Math.log(pc), 0);
  close(value(categoricalFocalLoss(3, {}, eps)(y, p)), (focalSmoothed([0.7, 0.2, 0.1], 0) + focalSmoothed([0.2, 0.2, 0.6], 2)) / 2, 'focal');
  throwsCode(() => categoricalCrossEntropy(3, 1), 'INVALID_CONFIG', /labelSmoothing must be in \[0, 1\)/);
  throwsCode(() => lossFor(undefined, { task: 'binary' }, eps), 'INVALID_CONFIG', /one-hot targets of multi-class and ordinal/);
  throwsCode(() => lossFor({ softOrdinal: {} }, { task: 'ordinal', classes: 3 }, eps), 'INVALID_CONFIG', /softOrdinal targets, already spread/);
  assert.equal(fitTaskProblems({ labelSmoothing: 0.1 }, 'multilabel'), [
    'fit.labelSmoothing smooths one-hot targets of multi-class and ordinal tasks, but this one is multilabel',
  ]);
  assert.equal(fitTaskProblems({ labelSmoothing: 0.1, loss: { softOrdinal: {} } }, 'ordinal').length, 1);
  assert.equal(fitTaskProblems({ labelSmoothing: 0.1, mixup: { alpha: 0.2 }, schedule: 'cosine' }, 'ordinal'), []);
  tf.dispose([y, p]);
});

R('the schema: labelSmoothing in [0, 1), mixup alpha > 0, schedule constant | cosine', () => {
  assert.ok(fitConfigSchema.safeParse({ labelSmoothing: 0.1, mixup: { alpha: 0.2 }, schedule: 'cosine' }).success);
  assert.not.ok(fitConfigSchema.safeParse({ labelSmoothing: 1 }).success);
  assert.not.ok(fitConfigSchema.safeParse({ mixup: { alpha: 0 } }).success);
  assert.not.ok(fitConfigSchema.safeParse({ mixup: { alpha: 0.2, beta: 1 } }).success);
  assert.not.ok(fitConfigSchema.safeParse({ schedule: 'step' }).success);
});

R('Gamma and Beta draws have their distributions’ mean and variance (shape below and above 1)', () => {
  const n = 40000;
  const moments = (draw: () => number) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = draw();
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    return { mean, variance: s2 / n - mean * mean };
  };
  const rng = createRng(7);
  for (const shape of [0.3, 1, 3.5]) {
    const m = moments(() => gammaSample(rng, shape));
    // Gamma(k, 1): mean k, variance k; tolerances about 4 standard errors.
    close(m.mean, shape, `Gamma(${shape}) mean`, 4 * Math.sqrt(shape / n));
    close(m.variance, shape, `Gamma(${shape}) variance`, 0.06 * shape + 0.02);
  }
  for (const [a, b] of [
    [0.2, 0.2],
    [2, 5],
  ] as const) {
    const m = moments(() => betaSample(rng, a, b));
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    close(m.mean, mean, `Beta(${a}, ${b}) mean`, 4 * Math.sqrt(variance / n));
    close(m.variance, variance, `Beta(${a}, ${b}) variance`, 0.03 * variance + 1e-3);
  }
  // Beta(0.2, 0.2) puts most of its mass near 0 and 1: the paper's "mostly one image" regime.
  let extreme = 0;
  for (let i = 0; i < 2000; i++) {
    const v = betaSample(rng, 0.2, 0.2);
    assert.ok(v >= 0 && v <= 1, 'in [0, 1]');
    if (v < 0.1 || v > 0.9) extreme++;
  }
  assert.ok(extreme > 2000 * 0.55, `Beta(0.2, 0.2) mostly near 0 or 1 (${extreme} / 2000)`);
});

R('a batch mix: λ in [0, 1], a permutation of the batch, seeded; label rows follow it', () => {
  const a = drawBatchMix(createRng(3), 0.2, 6);
  const b = drawBatchMix(createRng(3), 0.2, 6);
  assert.equal(a, b, 'same seed, same mix');
  assert.ok(a.lambda >= 0 && a.lambda <= 1);
  assert.equal([...a.permutation].sort(), [0, 1, 2, 3, 4, 5]);
  assert.equal(Array.from(permuteRows(new Float32Array([1, 2, 3, 4, 5, 6]), 2, Int32Array.from([2, 0, 1]))), [5, 6, 1, 2, 3, 4]);
});

R('MixUp loss identity: λ·CE(y_a) + (1 − λ)·CE(y_b) is the cross-entropy on the blended one-hot targets', () => {
  const p = tf.tensor2d([
    [0.5, 0.3, 0.2],
    [0.1, 0.6, 0.3],
  ]);
  const lambda = 0.3;
  const ce = categoricalCrossEntropy(3);
  const mixed = lambda * value(ce(tf.tensor1d([0, 1]), p)) + (1 - lambda) * value(ce(tf.tensor1d([2, 1]), p));
  const blended = -(lambda * Math.log(0.5) + (1 - lambda) * Math.log(0.2) + Math.log(0.6)) / 2;
  close(mixed, blended, 'blended targets');
  p.dispose();
});

function trainWith(extra: Partial<FitOptions>, epochs = 2): Promise<{ weights: number[]; loss: number[] }> {
  const train = classData(24, 3, 11);
  const val = classData(12, 3, 12);
  const model = tutorialCnn([8, 8, 1], { filters: [2, 2] }, 3, headFor('multiclass', 3));
  return fitModel(model, train, val, {
    epochs,
    batchSize: 8,
    seed: 5,
    metrics: (labels, scores) => classEpochMetrics(labels, scores, 3, false),
    ...extra,
  }).then((result) => {
    const weights = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    model.dispose();
    return { weights, loss: result.history.map((h) => h.loss!) };
  });
}

R('fit with MixUp, label smoothing and the cosine schedule: each changes training, each replays with its seed, no tensor leaks', async () => {
  const before = tf.memory().numTensors;
  const plain = await trainWith({});
  for (const extra of [{ mixup: { alpha: 0.4 } }, { labelSmoothing: 0.2 }, { schedule: 'cosine' as const }]) {
    const once = await trainWith(extra);
    const again = await trainWith(extra);
    assert.equal(once.weights, again.weights, `${JSON.stringify(extra)}: same seed, same weights`);
    assert.ok(once.loss.every(Number.isFinite), `${JSON.stringify(extra)}: finite losses`);
    assert.ok(
      once.weights.some((w, i) => Math.abs(w - plain.weights[i]!) > 1e-6),
      `${JSON.stringify(extra)} changes the weights`,
    );
  }
  assert.equal((await trainWith({ schedule: 'constant' })).weights, plain.weights, "schedule 'constant' is the plain fit");
  assert.is(tf.memory().numTensors, before, 'no tensors left behind');
});

R('the cosine rate: lr at step 0, lr/2 halfway, 0 at the end; constant keeps lr', () => {
  assert.is(cosineRate(1e-3, 0, 10), 1e-3);
  close(cosineRate(1e-3, 5, 10), 5e-4, 'halfway', 1e-12);
  close(cosineRate(1e-3, 10, 10), 0, 'end', 1e-12);
  assert.is(scheduledRate('constant', 1e-3, 7, 10), 1e-3);
  assert.is(scheduledRate(undefined, 1e-3, 7, 10), 1e-3);
  assert.is(scheduledRate('cosine', 1e-3, 5, 10), cosineRate(1e-3, 5, 10));
});

R.run();
