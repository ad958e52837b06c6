/** U-Net, dense losses, sliding windows and the segmentation loop on synthetic shapes with known masks. */
import * as tf from '@tensorflow/tfjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../src/backend/select.ts';
import { createRng } from '../../../src/base/rng.ts';
import { syntheticShapes } from '../../../src/data/synthetic-shapes.ts';
import { fitSegmentation, meanDice } from '../../../src/train/fit-segmentation.ts';
import { cosineRate } from '../../../src/train/lr-schedule.ts';
import { indexPixels, samplePatches } from '../../../src/data/loader/patch-sampler.ts';
import { crossEntropyLoss, focalLoss, segmentationLoss, softDiceLoss, tverskyLoss } from '../../../src/train/segmentation-losses.ts';
import { gaussianMap, slidingWindowPredict, windowStarts } from '../../../src/train/sliding-window.ts';
import { unet } from '../../../src/train/unet.ts';
import { throwsCode } from '../../helpers/expect-error.ts';

const S = suite('segmentation training');
// The best backend here (native when built): the U-Net trains in seconds there, minutes in pure JS.
S.before(async () => {
  await initBackend();
});

S('U-Net: output keeps the input size; sigmoid head for 2 classes, softmax for more; sides must divide by 2^depth', () => {
  const a = unet([32, 48, 3], 2, { depth: 2, baseFilters: 4 }, 1);
  assert.equal(a.outputs[0].shape, [null, 32, 48, 1]);
  const b = unet([16, 16, 1], 4, { depth: 3, baseFilters: 4, upsampling: 'nearest', batchNorm: false, dropout: 0.2 }, 1);
  assert.equal(b.outputs[0].shape, [null, 16, 16, 4]);
  const sums = tf.tidy(() => tf.sum(b.predict(tf.randomUniform([1, 16, 16, 1])) as tf.Tensor, -1).dataSync());
  assert.ok(
    Array.from(sums).every((v) => Math.abs(v - 1) < 1e-5),
    'softmax over classes',
  );
  throwsCode(() => unet([30, 32, 1], 2, { depth: 2 }), 'SHAPE_MISMATCH', /divisible by 4; the input is 30x32/);
  a.dispose();
  b.dispose();
});

S('losses: soft Dice ≈ 0 for a perfect prediction, ≈ 1 for a disjoint one; the ROI weight removes pixels', () => {
  const y = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
  assert.ok(softDiceLoss(y, tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1])).dataSync()[0] < 1e-5);
  assert.ok(softDiceLoss(y, tf.tensor4d([0, 0, 1, 1], [1, 2, 2, 1])).dataSync()[0] > 0.999);
  const roi = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
  // Wrong only outside the ROI: no loss.
  assert.ok(softDiceLoss(y, tf.tensor4d([1, 1, 1, 1], [1, 2, 2, 1]), roi).dataSync()[0] < 1e-5);
  const ce = crossEntropyLoss(y, tf.tensor4d([0.9, 0.8, 0.5, 0.5], [1, 2, 2, 1]), roi).dataSync()[0];
  assert.ok(Math.abs(ce - -(Math.log(0.9) + Math.log(0.8)) / 2) < 1e-5, `masked BCE ${ce}`);
  // Tversky: soft TP 1.5, FP 0.5, FN 0.5 → 1 − 1.5 / (1.5 + 0.3·0.5 + 0.7·0.5); α = β = 0.5 is soft Dice.
  const p = tf.tensor4d([1, 0.5, 0.5, 0], [1, 2, 2, 1]);
  assert.ok(Math.abs(tverskyLoss()(y, p).dataSync()[0] - (1 - 1.5 / 2)) < 1e-5);
  assert.ok(Math.abs(tverskyLoss(0.5, 0.5)(y, p).dataSync()[0] - softDiceLoss(y, p).dataSync()[0]) < 1e-6);
});

S('focal loss: equals NumPy on a binary mask inside an ROI and on a 3-class softmax; γ = 0 is cross-entropy; easy pixels weigh less', () => {
  // Reference values from /usr/bin/python3 with NumPy:
  //   y=[1,0,1,0]; p=[.9,.2,.4,.7]; w=[1,1,1,0]; fl=-(y*(1-p)**2*log(p)+(1-y)*p**2*log(1-p)); (fl*w).sum()/w.sum()
  //   Y=eye(3)[[0,2,1,2]]; P=[[.7,.2,.1],[.1,.3,.6],[.25,.5,.25],[.05,.05,.9]]; (-(Y*(1-P)**2*log(P)).sum(-1)).mean()
  const y = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
  const p = tf.tensor4d([0.9, 0.2, 0.4, 0.7], [1, 2, 2, 1]);
  const roi = tf.tensor4d([1, 1, 1, 0], [1, 2, 2, 1]);
  assert.ok(Math.abs(focalLoss()(y, p, roi).dataSync()[0] - 0.11328133689461416) < 1e-6);
  const Y = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3).reshape([1, 2, 2, 3]) as tf.Tensor4D;
  const P = tf.tensor4d([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.25, 0.5, 0.25, 0.05, 0.05, 0.9], [1, 2, 2, 3]);
  assert.ok(Math.abs(segmentationLoss('focal')(Y, P).dataSync()[0] - 0.07204331126340227) < 1e-6);
  // The same by hand, pixel by pixel, for a random batch with an ROI: −Σ y(1−p)² log p (binary: both terms).
  const rng = createRng(7);
  const n = 2 * 5 * 5;
  const truth = Float32Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
  const prob = Float32Array.from({ length: n }, () => 0.02 + 0.96 * rng.next());
  const weight = Float32Array.from({ length: n }, () => (rng.next() < 0.8 ? 1 : 0));
  let sum = 0;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const q = prob[i];
    const term = truth[i] === 1 ? -((1 - q) ** 2) * Math.log(q) : -(q ** 2) * Math.log(1 - q);
    sum += weight[i] * term;
    kept += weight[i];
  }
  const t = (a: Float32Array) => tf.tensor4d(a, [2, 5, 5, 1]);
  assert.ok(Math.abs(focalLoss()(t(truth), t(prob), t(weight)).dataSync()[0] - sum / kept) < 1e-6);
  assert.ok(Math.abs(focalLoss(0)(t(truth), t(prob), t(weight)).dataSync()[0] - crossEntropyLoss(t(truth), t(prob), t(weight)).dataSync()[0]) < 1e-6);
  // A confident correct pixel costs far less than under CE; a confident wrong one nearly as much.
  const one = (v: number) => tf.tensor4d([v], [1, 1, 1, 1]);
  assert.ok(focalLoss()(one(1), one(0.95)).dataSync()[0] < 0.01 * crossEntropyLoss(one(1), one(0.95)).dataSync()[0]);
  assert.ok(focalLoss()(one(1), one(0.05)).dataSync()[0] > 0.9 * crossEntropyLoss(one(1), one(0.05)).dataSync()[0]);
  // Dice + focal is the sum; gradients flow.
  const sumLoss = segmentationLoss('dice+focal')(y, p, roi).dataSync()[0];
  assert.ok(Math.abs(sumLoss - softDiceLoss(y, p, roi).dataSync()[0] - 0.11328133689461416) < 1e-6);
  const grad = tf
    .grad((q: tf.Tensor) => focalLoss()(y, q as tf.Tensor4D, roi))(p)
    .dataSync();
  assert.ok(grad[0] < 0 && grad[1] > 0 && grad[3] === 0, `gradient ${Array.from(grad)}`);
});

S('sliding window: covers every pixel; a per-pixel model gives the same output whole or windowed', async () => {
  assert.equal(windowStarts(10, 4, 0.5), [0, 2, 4, 6]);
  assert.equal(windowStarts(11, 4, 0.5), [0, 2, 4, 6, 7]);
  assert.ok(gaussianMap(8).every((v) => v > 0 && v <= 1));
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [null, null, 2] as never, filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: 'ones' })],
  });
  const rng = createRng(4);
  const pixels = Float32Array.from({ length: 13 * 11 * 2 }, () => rng.normal());
  const windowed = await slidingWindowPredict(model, pixels, [13, 11, 2], { size: 8, overlap: 0.25, batchSize: 3 });
  const whole = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [1, 13, 11, 2])) as tf.Tensor).dataSync());
  for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(windowed[i] - whole[i]) < 1e-6, `pixel ${i}`);
  const small = await slidingWindowPredict(model, pixels.subarray(0, 5 * 5 * 2), [5, 5, 2], { size: 8 });
  assert.is(small.length, 25);
});

S('patches: foreground-centred ones contain foreground; image, mask and ROI stay aligned under augmentation', () => {
  const samples = syntheticShapes(3, 32, { seed: 2, roi: true });
  const index = indexPixels(samples);
  const rng = createRng(1);
  const pos = samplePatches(samples, index, { size: 8, count: 40, positive: 1, negative: 0 }, rng);
  for (let n = 0; n < 40; n++)
    assert.ok(
      pos.mask.subarray(n * 64, (n + 1) * 64).some((v) => v === 1),
      `patch ${n} has foreground`,
    );
  const aug = samplePatches(samples, index, { size: 16, count: 20 }, rng, { rotation: 40, horizontalFlip: true, zoom: 0.2 });
  // Bright pixels (shapes) are labelled 1, dim ones 0, except at borders where bilinear mixes.
  let agree = 0;
  for (let i = 0; i < aug.mask.length; i++) if (aug.x[i] > 0.6 === (aug.mask[i] === 1)) agree++;
  assert.ok(agree / aug.mask.length > 0.93, `intensity and mask agree on ${agree / aug.mask.length}`);
});

S('cosine schedule: from the rate down to 0 over the planned steps, half-way at the middle', () => {
  assert.is(cosineRate(1e-3, 0, 10), 1e-3);
  assert.ok(Math.abs(cosineRate(1e-3, 5, 10) - 5e-4) < 1e-12);
  assert.ok(Math.abs(cosineRate(1e-3, 10, 10)) < 1e-12);
  assert.ok(cosineRate(1e-3, 2, 10) > cosineRate(1e-3, 3, 10));
});

S('a small U-Net learns synthetic shapes: validation Dice well above the untrained model and above 0.85', async () => {
  const train = syntheticShapes(12, 32, { seed: 1, roi: true });
  const val = syntheticShapes(4, 32, { seed: 99, roi: true });
  const model = unet([16, 16, 1], 2, { depth: 2, baseFilters: 8 }, 3);
  const before = await meanDice(model, val, 16, 2);
  const result = await fitSegmentation(model, train, val, {
    epochs: 5,
    steps: 10,
    batchSize: 8,
    patch: 16,
    classes: 2,
    seed: 5,
    learningRate: 3e-3,
    schedule: 'cosine',
  });
  const after = await meanDice(model, val, 16, 2);
  assert.ok(after > 0.85 && after > before + 0.2, `Dice ${before.toFixed(3)} → ${after.toFixed(3)}`);
  assert.is(result.history[result.bestEpoch - 1].val_dice, after, 'best weights restored');
  model.dispose();
});

S.run();
