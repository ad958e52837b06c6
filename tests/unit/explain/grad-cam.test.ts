// Grad-CAM on hand-set models whose answer is known in closed form, then shape/range/score/leak
// checks on the tutorial CNN, then bad input.
//
// The known model: 8×8×1 images → Conv2D 'feat' (two 1×1 filters: A0 = relu(x) "bright",
// A1 = relu(1 − x) "dark") → Flatten → Dense(1, sigmoid) that adds A0 over the top-left 4×4 quadrant
// (+1 each) and subtracts A1 everywhere (−0.5 each). ∂logit/∂A is that weight map, so the channel
// weights are α0 = 16/64 = 0.25 and α1 = −0.5, and the Grad-CAM map is relu(0.25·x − 0.5·(1 − x)) =
// relu(0.75·x − 0.5), divided by its maximum: only pixels brighter than 2/3 light up.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { gradCam } from '../../../src/explain/grad-cam.ts';
import { upsampleBilinear } from '../../../src/explain/upsample.ts';
import { MedpipeError } from '../../../src/base/errors.ts';
import { tutorialCnn } from '../../../src/train/model.ts';
import { modelFromData, modelToData } from '../../../src/train/model-data.ts';

const GradCam = suite('grad-cam');
const S = 8;

GradCam.before(async () => {
  await tf.setBackend('cpu');
});

/** Dense weights over the flattened [8, 8, 2] features: +1 on A0 in the top-left quadrant, −0.5 on A1. */
function denseKernel(scale: number, extra: number[] = []): tf.Tensor2D {
  const w: number[] = [];
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) w.push(y < 4 && x < 4 ? scale : 0, -0.5 * scale);
  return tf.tensor2d([...w, ...extra], [w.length + extra.length, 1]);
}

function setConv(layer: tf.layers.Layer): void {
  tf.tidy(() => layer.setWeights([tf.tensor4d([1, -1], [1, 1, 1, 2]), tf.tensor1d([0, 1])]));
}

const convLayer = () => tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'feat' });

/** The known model as a Sequential; `scale` multiplies the dense weights (1000 saturates the sigmoid). */
function knownSequential(scale = 1, head: 'dense' | 'activation' = 'dense'): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'feat', inputShape: [S, S, 1] }));
  model.add(tf.layers.flatten());
  if (head === 'dense') {
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  } else {
    model.add(tf.layers.dense({ units: 1 }));
    model.add(tf.layers.activation({ activation: 'sigmoid' }));
  }
  setConv(model.layers[0]!);
  tf.tidy(() => model.layers[2]!.setWeights([denseKernel(scale), tf.tensor1d([0.3])]));
  return model;
}

/**
 * The known model as a functional graph, with a branch that bypasses 'feat' (global average of the
 * image, weight 5, concatenated before the dense layer): the map must not change.
 */
function knownFunctional(): tf.LayersModel {
  const input = tf.input({ shape: [S, S, 1] });
  const conv = convLayer();
  const flat = tf.layers.flatten().apply(conv.apply(input)) as tf.SymbolicTensor;
  const bypass = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([flat, bypass]) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 1, activation: 'sigmoid' });
  const model = tf.model({ inputs: input, outputs: dense.apply(joined) as tf.SymbolicTensor });
  setConv(conv);
  tf.tidy(() => dense.setWeights([denseKernel(1, [5]), tf.tensor1d([0.3])]));
  return model;
}

/** Three test images: a bright 2×2 square near the top-left corner on 0.2; random; all dark. */
function knownImages(): Float32Array {
  const x = new Float32Array(3 * S * S);
  for (let p = 0; p < S * S; p++) {
    const [y, c] = [Math.floor(p / S), p % S];
    x[p] = y >= 1 && y <= 2 && c >= 1 && c <= 2 ? 1 : 0.2;
    x[S * S + p] = ((p * 37) % 101) / 100;
    x[2 * S * S + p] = 0.1;
  }
  return x;
}

function expectedMaps(images: Float32Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length / (S * S); i++) {
    const map = images.subarray(i * S * S, (i + 1) * S * S).map((v) => Math.max(0, 0.75 * v - 0.5));
    const max = Math.max(...map);
    out.set(max > 0 ? map.map((v) => v / max) : map, i * S * S);
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) assert.unreachable(`${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}

function argmax(map: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return best;
}

GradCam('known model: the map is relu(0.75x − 0.5)/max, so the bright top-left square alone lights up', async () => {
  const model = knownSequential();
  const images = knownImages();
  const result = await gradCam(model, images, [S, S, 1], 3);
  assert.is(result.layer, 'feat', 'the last Conv2D layer by default');
  assert.is(result.target, 'logit');
  assertClose(result.heatmaps, expectedMaps(images), 1e-5, 'heatmaps');
  const square = result.heatmaps.subarray(0, S * S);
  const peak = argmax(square);
  assert.ok(Math.floor(peak / S) <= 2 && peak % S <= 2, `peak in the top-left corner (at ${peak})`);
  assert.is(square[1 * S + 1], 1);
  assert.is(square[6 * S + 6], 0, 'background gets nothing: ReLU drops the negative evidence');
  assert.equal(Array.from(result.heatmaps.subarray(2 * S * S)), new Array(S * S).fill(0), 'no positive evidence: all 0');
  assert.is(result.peaks[2], 0);
  assert.ok(Math.abs(result.peaks[0]! - 0.25) < 1e-6, `peak before normalisation = 0.75·1 − 0.5 (got ${result.peaks[0]})`);
  const predicted = tf.tidy(() => Array.from((model.predict(tf.tensor4d(images, [3, S, S, 1])) as tf.Tensor).dataSync()));
  assertClose(result.scores, predicted, 1e-6, 'scores = model.predict');
  model.dispose();
});

GradCam("HiResCAM (activation × its own gradient) follows the dense layer's reading area; Grad-CAM follows the feature", async () => {
  // Bright squares in the top-left AND the bottom-right corner; the dense layer reads A0 only in the
  // top-left quadrant. HiResCAM: relu(w(y,x)·x − 0.5·(1 − x)) with w = 1 in that quadrant, else 0.
  const image = new Float32Array(S * S).fill(0.2);
  for (const [y, x] of [
    [1, 1],
    [1, 2],
    [2, 1],
    [2, 2],
    [5, 5],
    [5, 6],
    [6, 5],
    [6, 6],
  ])
    image[y! * S + x!] = 1;
  const expected = new Float32Array(S * S);
  for (let p = 0; p < S * S; p++) {
    const w = Math.floor(p / S) < 4 && p % S < 4 ? 1 : 0;
    expected[p] = Math.max(0, w * image[p]! - 0.5 * (1 - image[p]!));
  }
  const max = Math.max(...expected);
  const sequential = knownSequential();
  const hires = await gradCam(sequential, image, [S, S, 1], 1, { method: 'hirescam' });
  assertClose(
    hires.heatmaps,
    expected.map((v) => v / max),
    1e-5,
    'HiResCAM map',
  );
  assert.is(hires.heatmaps[5 * S + 5], 0, 'the bottom-right square, which the model does not read, stays dark');
  const grad = await gradCam(sequential, image, [S, S, 1], 1);
  assert.is(grad.heatmaps[5 * S + 5], 1, "Grad-CAM's averaged weights light up every bright square");
  const functional = knownFunctional();
  assertClose((await gradCam(functional, image, [S, S, 1], 1, { method: 'hirescam' })).heatmaps, hires.heatmaps, 1e-5, 'functional HiResCAM');
  sequential.dispose();
  functional.dispose();
});

GradCam('a saturated sigmoid (score exactly 0 or 1) still gets its map: the logit is differentiated, not the score', async () => {
  const model = knownSequential(1000);
  const images = knownImages();
  const result = await gradCam(model, images, [S, S, 1], 2);
  assert.ok(result.scores[0] === 1 || result.scores[0] === 0, `score saturates in float32 (${result.scores[0]})`);
  // d sigmoid/d logit is 0 here, so a score-based Grad-CAM would be blank.
  const grad = tf.tidy(
    () =>
      tf
        .grad((z: tf.Tensor) => tf.sigmoid(z))(tf.scalar(-1000 * 11))
        .dataSync()[0],
  );
  assert.is(grad, 0);
  assertClose(result.heatmaps, expectedMaps(images).subarray(0, 2 * S * S), 1e-5, 'same maps as the unscaled model');
  model.dispose();
});

GradCam("a Dense + Activation('sigmoid') head: the logit is the Activation layer's input", async () => {
  const model = knownSequential(1, 'activation');
  const images = knownImages();
  const result = await gradCam(model, images, [S, S, 1], 3);
  assert.is(result.target, 'logit');
  assertClose(result.heatmaps, expectedMaps(images), 1e-5, 'heatmaps');
  model.dispose();
});

GradCam('functional model with a branch that bypasses the explained layer: same maps, its own scores', async () => {
  const model = knownFunctional();
  const images = knownImages();
  const before = tf.memory().numTensors;
  const result = await gradCam(model, images, [S, S, 1], 3, { batchSize: 2 });
  assert.is(tf.memory().numTensors, before, 'no tensor leaks');
  assert.is(result.layer, 'feat');
  assert.is(result.target, 'logit');
  assertClose(result.heatmaps, expectedMaps(images), 1e-5, 'heatmaps');
  const predicted = tf.tidy(() => Array.from((model.predict(tf.tensor4d(images, [3, S, S, 1])) as tf.Tensor).dataSync()));
  assertClose(result.scores, predicted, 1e-6, 'scores = model.predict (the bypass counts there)');
  model.dispose();
});

GradCam('a coarser layer (after 2×2 pooling) is upsampled bilinearly; the peak stays in its corner', async () => {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'relu', inputShape: [S, S, 1], name: 'c' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  tf.tidy(() => model.layers[0]!.setWeights([tf.ones([1, 1, 1, 1]), tf.zeros([1])]));
  tf.tidy(() => model.layers[3]!.setWeights([tf.ones([16, 1]), tf.zeros([1])]));
  const image = new Float32Array(S * S).fill(0.1);
  for (const p of [0, 1, S, S + 1]) image[p] = 1; // bright 2×2 square in the top-left corner
  const result = await gradCam(model, image, [S, S, 1], 1, { layer: 'pool' });
  assert.is(result.layer, 'pool');
  // The 4×4 map is the pooled image (all channel weights equal): 1 at (0, 0), 0.1 elsewhere.
  const coarse = new Float32Array(16).fill(0.1);
  coarse[0] = 1;
  assertClose(result.heatmaps, upsampleBilinear(coarse, 4, 4, S, S), 1e-5, 'upsampled map');
  assert.is(argmax(result.heatmaps), 0, 'peak at the top-left pixel');
  assert.ok(Math.abs(result.heatmaps[S * S - 1]! - 0.1) < 1e-6, 'the far corner keeps the background level');
  model.dispose();
});

GradCam('ReLU comes before upsampling: negative evidence does not dim the positive cells next to it', async () => {
  // The known two-channel features, max-pooled 2×2 ('pool', 4×4×2), then the dense layer: +1 on P0 in
  // the top-left 2×2 cells, −0.5 on P1 everywhere → α0 = 4/16, α1 = −0.5.
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'feat', inputShape: [S, S, 1] }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  setConv(model.layers[0]!);
  const w: number[] = [];
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) w.push(y < 2 && x < 2 ? 1 : 0, -0.5);
  tf.tidy(() => model.layers[3]!.setWeights([tf.tensor2d(w, [32, 1]), tf.zeros([1])]));
  const image = knownImages().subarray(S * S, 2 * S * S); // the "random" image
  const coarse = new Float32Array(16);
  for (let cy = 0; cy < 4; cy++) {
    for (let cx = 0; cx < 4; cx++) {
      const cell = [0, 1, S, S + 1].map((d) => image[2 * cy * S + 2 * cx + d]!);
      coarse[cy * 4 + cx] = Math.max(0, 0.25 * Math.max(...cell) - 0.5 * (1 - Math.min(...cell)));
    }
  }
  assert.ok(coarse.some((v) => v === 0) && coarse.some((v) => v > 0), 'the fixture has both kinds of cells');
  const expected = upsampleBilinear(coarse, 4, 4, S, S);
  const max = Math.max(...expected);
  const result = await gradCam(model, image, [S, S, 1], 1, { layer: 'pool' });
  assertClose(
    result.heatmaps,
    expected.map((v) => v / max),
    1e-5,
    'relu → upsample → normalise',
  );
  model.dispose();
});

GradCam('upsampleBilinear matches tf.image.resizeBilinear with half-pixel centres', () => {
  for (const [ih, iw, oh, ow] of [
    [3, 5, 7, 11],
    [4, 4, 8, 8],
    [7, 7, 28, 28],
    [5, 3, 5, 3],
  ] as const) {
    const src = Float32Array.from({ length: ih * iw }, (_, i) => Math.sin(i * 1.7) + 1);
    const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(src, [1, ih, iw, 1]), [oh, ow], false, true).dataSync());
    assertClose(upsampleBilinear(src, ih, iw, oh, ow), ref, 1e-5, `${ih}x${iw} → ${oh}x${ow}`);
  }
});

GradCam('tutorial CNN (BatchNorm, dropout): shapes, [0, 1] range, scores, inference mode, saved/loaded model, no leaks', async () => {
  const model = tutorialCnn([16, 16, 1], { filters: [4, 4] }, 7);
  const count = 5;
  let seed = 1;
  const images = Float32Array.from({ length: count * 16 * 16 }, () => (seed = (seed * 16807) % 2147483647) / 2147483647);
  const before = tf.memory().numTensors;
  const a = await gradCam(model, images, [16, 16, 1], count, { batchSize: 2 });
  const b = await gradCam(model, images, [16, 16, 1], count);
  assert.is(tf.memory().numTensors, before, 'no tensor leaks');
  assert.is(a.heatmaps.length, count * 16 * 16);
  assert.is(a.scores.length, count);
  assert.equal(model.layers.map((l) => l.getClassName()).slice(0, 2), ['Conv2D', 'Conv2D']);
  assert.is(a.layer, model.layers[1]!.name, 'the second (last) Conv2D, at full resolution before the pooling');
  for (let i = 0; i < count; i++) {
    const map = a.heatmaps.subarray(i * 256, (i + 1) * 256);
    assert.ok(
      map.every((v) => v >= 0 && v <= 1),
      `image ${i} in [0, 1]`,
    );
    const max = Math.max(...map);
    assert.ok(max === 0 || Math.abs(max - 1) < 1e-6, `image ${i} normalised to its maximum (${max})`);
  }
  assert.ok(
    a.heatmaps.some((v) => v > 0),
    'some evidence somewhere',
  );
  assert.equal(Array.from(a.heatmaps), Array.from(b.heatmaps), 'dropout off: the same maps every time, any batch size');
  const predicted = tf.tidy(() => Array.from((model.predict(tf.tensor4d(images, [count, 16, 16, 1])) as tf.Tensor).dataSync()));
  assertClose(a.scores, predicted, 1e-5, 'scores');
  // As evaluate sees it: the model saved to data and loaded back from JSON.
  const loaded = await modelFromData(await modelToData(model));
  const c = await gradCam(loaded, images, [16, 16, 1], count);
  assertClose(c.heatmaps, a.heatmaps, 1e-5, 'loaded model');
  loaded.dispose();
  model.dispose();
});

GradCam('bad input: clear errors with a fix, and nothing leaks', async () => {
  const model = knownSequential();
  const images = knownImages();
  const dense = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [S, S, 1] }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const before = tf.memory().numTensors;
  const rejects = async (p: Promise<unknown>, code: string, pattern: RegExp) => {
    try {
      await p;
    } catch (error) {
      assert.instance(error, MedpipeError);
      assert.is((error as MedpipeError).code, code);
      assert.match((error as Error).message, pattern);
      assert.ok((error as MedpipeError).fix);
      return (error as MedpipeError).fix!;
    }
    throw new Error('expected a rejection');
  };
  const fix = await rejects(gradCam(model, images, [S, S, 1], 1, { layer: 'nope' }), 'INVALID_CONFIG', /no layer named 'nope'/);
  assert.match(fix, /feat/, 'lists the layers it could explain');
  await rejects(gradCam(model, images, [S, S, 1], 1, { layer: model.layers[1]!.name }), 'INVALID_CONFIG', /does not output \[batch, h, w, channels\]/);
  await rejects(gradCam(model, images, [4, 4, 1], 1), 'SHAPE_MISMATCH', /expects images of \[8, 8, 1\]/);
  await rejects(gradCam(model, images, [S, S, 1], 4), 'SHAPE_MISMATCH', /4 images/);
  await rejects(gradCam(model, images, [S, S, 1], 1, { method: 'cam' as never }), 'INVALID_CONFIG', /Unknown Grad-CAM method 'cam'/);
  await rejects(gradCam(dense, images, [S, S, 1], 1), 'INVALID_CONFIG', /no Conv2D layer/);
  assert.is(tf.memory().numTensors, before);
  const empty = await gradCam(model, images, [S, S, 1], 0);
  assert.is(empty.heatmaps.length, 0);
  dense.dispose();
  model.dispose();
});

GradCam.run();
