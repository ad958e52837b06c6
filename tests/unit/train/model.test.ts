import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MedpipeError } from '../../../src/base/errors.ts';
import { loadBaseModel, loadModel, modelSummary, readModelMetadata, saveModel, toChannelsLast, tutorialCnn } from '../../../src/train/model.ts';
import { fitModel } from '../../../src/train/fit.ts';

interface Ctx {
  dir: string;
}
const Model = suite<Ctx>('model', { dir: '' });

Model.before(async () => {
  await tf.setBackend('cpu');
});
Model.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-model-'));
});
Model.after.each(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((t) => Array.from(t.dataSync()));
async function rejectsCode(p: Promise<unknown>, code: string, pattern: RegExp): Promise<MedpipeError> {
  try {
    await p;
  } catch (error) {
    assert.instance(error, MedpipeError);
    assert.is((error as MedpipeError).code, code, (error as Error).message);
    assert.match((error as MedpipeError).message, pattern);
    assert.ok((error as MedpipeError).fix, 'has a fix');
    return error as MedpipeError;
  }
  throw new Error('expected a rejection');
}
function predict(m: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));
}

Model('toChannelsLast moves a leading 1/3/4 channel axis and leaves channels-last shapes alone', () => {
  assert.equal(toChannelsLast([3, 64, 64]), [64, 64, 3]);
  assert.equal(toChannelsLast([1, 28, 28]), [28, 28, 1]);
  assert.equal(toChannelsLast([64, 64, 3]), [64, 64, 3]);
  assert.equal(toChannelsLast([28, 28, 1]), [28, 28, 1]);
  assert.equal(toChannelsLast([3, 4, 4]), [3, 4, 4], 'ambiguous: last dim is a channel count, kept');
  assert.throws(
    () => toChannelsLast([64, 64]),
    (e: unknown) => e instanceof MedpipeError && e.code === 'INVALID_CONFIG',
  );
});

Model("tutorialCnn has the tutorial's layers and options", () => {
  const m = tutorialCnn(toChannelsLast([3, 16, 16]), {}, 1);
  // One pooling and one BatchNorm, after BOTH convolutions (the tutorial's order).
  assert.equal(
    m.layers.map((l) => l.getClassName()),
    ['Conv2D', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Flatten', 'Dropout', 'Dense'],
  );
  assert.equal(m.inputs[0].shape, [null, 16, 16, 3]);
  assert.equal(m.outputs[0].shape, [null, 1]);
  // 'same' padding keeps both convolutions at full resolution; the single 2x2 pool halves it once.
  assert.equal(
    m.layers.map((l) => l.outputShape),
    [
      [null, 16, 16, 128],
      [null, 16, 16, 64],
      [null, 8, 8, 64],
      [null, 8, 8, 64],
      [null, 8 * 8 * 64],
      [null, 8 * 8 * 64],
      [null, 1],
    ],
  );
  const config = (i: number): Record<string, any> => m.layers[i].getConfig() as Record<string, any>;
  for (const [i, filters, kernel] of [
    [0, 128, 5],
    [1, 64, 3],
  ] as const) {
    const c = config(i);
    assert.is(c.filters, filters, `conv ${i} filters`);
    assert.equal(c.kernelSize, [kernel, kernel], `conv ${i} kernel`);
    assert.equal(c.strides, [1, 1], `conv ${i} strides`);
    assert.is(c.padding, 'same', `conv ${i} padding`);
    assert.is(c.activation, 'relu', `conv ${i} activation`);
    assert.is(c.useBias, true, `conv ${i} bias`);
    assert.is(c.kernelRegularizer.className, 'L1L2', `conv ${i} regularizer`);
    assert.is(c.kernelRegularizer.config.l2, 1e-3, `conv ${i} l2`);
    assert.is(c.kernelRegularizer.config.l1, 0, `conv ${i} l1`);
    assert.is(c.biasRegularizer, null, `conv ${i} bias not regularised`);
    // tfjs serialises GlorotUniform as VarianceScaling(scale 1, fanAvg, uniform).
    const init = c.kernelInitializer.config;
    assert.equal([init.scale, init.mode, init.distribution], [1, 'fanAvg', 'uniform'], `conv ${i} GlorotUniform`);
  }
  const pool = config(2);
  assert.equal(pool.poolSize, [2, 2]);
  assert.equal(pool.strides, [2, 2]);
  assert.is(pool.padding, 'valid');
  const bn = config(3);
  assert.is(bn.momentum, 0.99, "Keras' default momentum");
  assert.is(bn.axis, -1, 'normalises the channels');
  assert.ok(bn.center && bn.scale, 'learns beta and gamma');
  assert.is(config(5).rate, 0.5);
  const head = config(6);
  assert.is(head.units, 1);
  assert.is(head.activation, 'sigmoid');
  assert.is(head.kernelRegularizer, null, 'L2 only on the convolutions');
  // tfjs serialises GlorotNormal as VarianceScaling(scale 1, fanAvg, normal).
  assert.equal(head.kernelInitializer.config, { ...head.kernelInitializer.config, scale: 1, mode: 'fanAvg', distribution: 'normal' });
  // Weights per layer: conv 5x5x3x128 + 128, conv 3x3x128x64 + 64, BatchNorm gamma/beta/mean/variance of 64, head 4096 + 1.
  assert.equal(
    m.layers.map((l) => l.getWeights().map((t) => t.shape)),
    [[[5, 5, 3, 128], [128]], [[3, 3, 128, 64], [64]], [], [[64], [64], [64], [64]], [], [], [[4096, 1], [1]]],
  );
  assert.is(m.trainableWeights.length, 8, 'moving mean and variance are not trained');
  const text = modelSummary(m);
  assert.match(text, /Total params: /);
  assert.match(text, /Conv2D/);
  assert.match(text, /\[null,16,16,128\]/);
  assert.match(text, /\[null,16,16,64\]/);
  m.dispose();
});

Model('tutorialCnn passes batchNormMomentum, filters, kernels, l2, dropout and padding to the layers', async ({ dir }) => {
  const m = tutorialCnn([12, 12, 1], { batchNormMomentum: 0.9, filters: [6, 5], kernels: [3, 1], l2: 0.02, dropout: 0.25, padding: 'valid' }, 2);
  const config = (i: number): Record<string, any> => m.layers[i].getConfig() as Record<string, any>;
  assert.is(m.layers[3].getClassName(), 'BatchNormalization');
  assert.is(config(3).momentum, 0.9, 'batchNormMomentum reaches the BatchNormalization layer');
  assert.equal([config(0).filters, config(1).filters], [6, 5]);
  assert.equal(
    [config(0).kernelSize, config(1).kernelSize],
    [
      [3, 3],
      [1, 1],
    ],
  );
  assert.equal([config(0).padding, config(1).padding], ['valid', 'valid']);
  assert.equal([config(0).kernelRegularizer.config.l2, config(1).kernelRegularizer.config.l2], [0.02, 0.02]);
  assert.is(config(5).rate, 0.25);
  // 'valid': 12 → 10 (3x3) → 10 (1x1) → 5 (pool).
  assert.equal(
    m.layers.map((l) => l.outputShape),
    [
      [null, 10, 10, 6],
      [null, 10, 10, 5],
      [null, 5, 5, 5],
      [null, 5, 5, 5],
      [null, 125],
      [null, 125],
      [null, 1],
    ],
  );
  m.dispose();
  // Saving and loading back (as evaluate and fine-tuning do) keeps the momentum.
  const small = tutorialCnn([4, 4, 1], { filters: [2, 2], batchNormMomentum: 0.8 });
  await saveModel(small, path.join(dir, 'bn'));
  const loaded = await loadModel(path.join(dir, 'bn'));
  const bn = loaded.layers.find((l) => l.getClassName() === 'BatchNormalization');
  assert.is((bn?.getConfig() as Record<string, any> | undefined)?.momentum, 0.8);
  [small, loaded].forEach((k) => k.dispose());
});

Model('tutorialCnn is seeded: same seed, same initial weights; other seed, other weights', () => {
  const a = tutorialCnn([8, 8, 1], { filters: [4, 2] }, 11);
  const b = tutorialCnn([8, 8, 1], { filters: [4, 2] }, 11);
  const c = tutorialCnn([8, 8, 1], { filters: [4, 2] }, 12);
  assert.equal(weightsOf(a), weightsOf(b));
  assert.not.equal(weightsOf(a), weightsOf(c));
  // Kernels of the two convolutions and of the head (layers 0, 1 and 6).
  const w = [0, 1, 6].map((i) => Array.from(a.layers[i].getWeights()[0].dataSync()));
  assert.equal(
    [0, 1, 6].map((i) => a.layers[i].getWeights()[0].shape),
    [
      [5, 5, 1, 4],
      [3, 3, 4, 2],
      [32, 1],
    ],
  );
  // The two convolutions and the head do not share a random stream. GlorotUniform draws
  // limit · (2u - 1), so dividing by each kernel's limit compares the underlying uniforms.
  const limit = (fanIn: number, fanOut: number): number => Math.sqrt(6 / (fanIn + fanOut));
  const u1 = w[0].slice(0, 4).map((v) => v / limit(25 * 1, 25 * 4));
  const u2 = w[1].slice(0, 4).map((v) => v / limit(9 * 4, 9 * 2));
  assert.ok(
    u1.some((v, i) => Math.abs(v - u2[i]) > 1e-3),
    `conv streams differ: ${u1} vs ${u2}`,
  );
  assert.not.equal(w[0].slice(0, 4), w[2].slice(0, 4));
  assert.not.equal(w[1].slice(0, 4), w[2].slice(0, 4));
  [a, b, c].forEach((m) => m.dispose());
});

Model('tutorialCnn rejects images too small for its pooling and bad options', () => {
  const tooSmall = (e: unknown): boolean => e instanceof MedpipeError && e.code === 'SHAPE_MISMATCH' && /too small/.test(e.message) && /2x2/.test(e.fix ?? '');
  // 'same' padding and one 2x2 pool: 2x2 is the smallest image that works.
  assert.throws(() => tutorialCnn([1, 1, 1], { filters: [2, 2] }), tooSmall);
  assert.throws(() => tutorialCnn([2, 1, 1], { filters: [2, 2] }), tooSmall, 'one side too small is enough');
  assert.throws(() => tutorialCnn([1, 2, 1], { filters: [2, 2] }), tooSmall);
  const tiny = tutorialCnn([2, 2, 1], { filters: [2, 2] }, 1);
  assert.equal(
    tiny.layers.map((l) => l.outputShape),
    [
      [null, 2, 2, 2],
      [null, 2, 2, 2],
      [null, 1, 1, 2],
      [null, 1, 1, 2],
      [null, 2],
      [null, 2],
      [null, 1],
    ],
  );
  assert.equal(predict(tiny, tf.ones([3, 2, 2, 1])).length, 3);
  tiny.dispose();
  // 'valid' with kernels 5 and 3: 8 → 4 → 2 → pool 1 works, 7 → 3 → 1 → pool 0 does not.
  assert.throws(() => tutorialCnn([7, 7, 1], { padding: 'valid', kernels: [5, 3] }), tooSmall);
  assert.throws(() => tutorialCnn([8, 7, 1], { padding: 'valid', kernels: [5, 3] }), tooSmall);
  const valid = tutorialCnn([8, 8, 1], { filters: [2, 2], padding: 'valid', kernels: [5, 3] }, 1);
  assert.equal(valid.layers.map((l) => l.outputShape).slice(0, 3), [
    [null, 4, 4, 2],
    [null, 2, 2, 2],
    [null, 1, 1, 2],
  ]);
  assert.equal(predict(valid, tf.ones([2, 8, 8, 1])).length, 2);
  valid.dispose();
  const badConfig = (e: unknown): boolean => e instanceof MedpipeError && e.code === 'INVALID_CONFIG' && Boolean(e.fix);
  assert.throws(() => tutorialCnn([8, 8, 1], { filters: [0, 2] }), badConfig);
  assert.throws(() => tutorialCnn([8, 8, 1], { filters: [2, 1.5] }), badConfig);
  assert.throws(() => tutorialCnn([8, 8, 1], { kernels: [3, 0] }), badConfig);
  assert.throws(() => tutorialCnn([8, 8, 1], { l2: -1 }), badConfig);
  assert.throws(() => tutorialCnn([8, 8, 1], { dropout: 1 }), badConfig);
  assert.throws(() => tutorialCnn([8, 8, 1], { padding: 'full' as never }), badConfig);
  for (const momentum of [-0.1, 1, 1.5, Number.NaN]) {
    assert.throws(
      () => tutorialCnn([8, 8, 1], { batchNormMomentum: momentum }),
      (e: unknown) => badConfig(e) && /batchNormMomentum/.test((e as Error).message),
      `momentum ${momentum}`,
    );
  }
  const noDrop = tutorialCnn([8, 8, 1], { filters: [2, 2], dropout: 0, l2: 0, batchNormMomentum: 0 });
  assert.equal(
    noDrop.layers.map((l) => l.getClassName()),
    ['Conv2D', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Flatten', 'Dense'],
  );
  assert.is((noDrop.layers[0].getConfig() as Record<string, unknown>).kernelRegularizer, null);
  assert.is((noDrop.layers[1].getConfig() as Record<string, unknown>).kernelRegularizer, null);
  assert.is((noDrop.layers[3].getConfig() as Record<string, unknown>).momentum, 0);
  noDrop.dispose();
});

Model('saveModel writes model.json + weights.bin atomically and loadModel gives the same predictions', async ({ dir }) => {
  const m = tutorialCnn([8, 8, 1], { filters: [4, 2] }, 3);
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 9);
  const target = path.join(dir, 'out', 'model');
  await saveModel(m, target, { metadata: { normalize: 'minmax', classes: ['normal', 'lesion'] } });
  assert.equal((await readdir(target)).sort(), ['model.json', 'weights.bin']);
  assert.equal(await readdir(path.join(dir, 'out')), ['model'], 'no temp folders left behind');
  const json = JSON.parse(await readFile(path.join(target, 'model.json'), 'utf8'));
  assert.equal(json.weightsManifest[0].paths, ['weights.bin']);
  assert.equal(await readModelMetadata(target), { normalize: 'minmax', classes: ['normal', 'lesion'] });
  const loaded = await loadModel(target);
  assert.equal(predict(loaded, x), predict(m, x));
  assert.equal(weightsOf(loaded), weightsOf(m));
  // Overwriting replaces the model (and accepts a file:// URL to load).
  const other = tutorialCnn([8, 8, 1], { filters: [4, 2] }, 4);
  await saveModel(other, target);
  const reloaded = await loadModel(`file://${target}/model.json`);
  assert.equal(predict(reloaded, x), predict(other, x));
  assert.equal(await readdir(path.join(dir, 'out')), ['model']);
  tf.dispose([x]);
  [m, loaded, other, reloaded].forEach((k) => k.dispose());
});

Model('loadModel names the path and the fix when the model is missing or broken', async ({ dir }) => {
  const missing = path.join(dir, 'nope');
  const e = await rejectsCode(loadModel(missing), 'MODEL_LOAD', /No tfjs model at/);
  assert.ok(e.message.includes(path.join(missing, 'model.json')), 'names the path');
  await mkdir(path.join(dir, 'bad'));
  await writeFile(path.join(dir, 'bad', 'model.json'), '{not json');
  await rejectsCode(loadModel(path.join(dir, 'bad')), 'MODEL_LOAD', /not valid JSON/);
  await writeFile(path.join(dir, 'bad', 'model.json'), JSON.stringify({ hello: 1 }));
  await rejectsCode(loadModel(path.join(dir, 'bad')), 'MODEL_LOAD', /no modelTopology/);
  // A weight shard gone missing.
  const m = tutorialCnn([8, 8, 1], { filters: [2, 2] }, 1);
  await saveModel(m, path.join(dir, 'm'));
  await rm(path.join(dir, 'm', 'weights.bin'));
  await rejectsCode(loadModel(path.join(dir, 'm')), 'MODEL_LOAD', /weight file .*weights\.bin/);
  m.dispose();
});

/** A small "pretrained" 3-class model: conv features + BatchNorm + a softmax classifier. */
function threeClassBase(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1] });
  let x = tf.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

Model('loadBaseModel swaps a softmax head for Dense(1, sigmoid) and freezes the base', async ({ dir }) => {
  const base = threeClassBase();
  await saveModel(base, path.join(dir, 'base'));
  const m = await loadBaseModel(path.join(dir, 'base'), { inputShape: [8, 8, 1], freeze: true, seed: 5 });
  assert.equal(m.outputs[0].shape, [null, 1]);
  const last = m.layers[m.layers.length - 1];
  assert.is(last.getClassName(), 'Dense');
  assert.is((last.getConfig() as Record<string, any>).activation, 'sigmoid');
  const init = (last.getConfig() as Record<string, any>).kernelInitializer.config;
  assert.equal([init.scale, init.mode, init.distribution], [1, 'fanAvg', 'normal'], 'GlorotNormal');
  assert.not.ok(
    m.layers.some((l) => l.getClassName() === 'Dense' && (l.getConfig() as Record<string, any>).units === 3),
    'old head dropped',
  );
  // Only the new head trains.
  assert.is(m.trainableWeights.length, 2);
  assert.ok(
    m.trainableWeights.every((w) => w.originalName.startsWith(last.name)),
    m.trainableWeights.map((w) => w.originalName).join(),
  );

  // freeze: 1 keeps the last base layer with weights (the second conv; the old head is dropped) trainable.
  const partial = await loadBaseModel(path.join(dir, 'base'), { inputShape: [8, 8, 1], freeze: 1 });
  const trainableLayers = partial.layers.filter((l) => l.trainable && l.weights.length > 0).map((l) => l.getClassName());
  assert.equal(trainableLayers, ['Conv2D', 'Dense']);
  const unfrozen = await loadBaseModel(path.join(dir, 'base'), { inputShape: [8, 8, 1] });
  assert.is(unfrozen.trainableWeights.length, 2 + 2 + 2 + 2, 'conv, bn gamma/beta, conv, head');
  [base, m, partial, unfrozen].forEach((k) => k.dispose());
});

Model('fitting a frozen base changes only the head; frozen BatchNorm keeps its statistics', async ({ dir }) => {
  const base = threeClassBase();
  await saveModel(base, path.join(dir, 'base'));
  const m = await loadBaseModel(path.join(dir, 'base'), { inputShape: [8, 8, 1], freeze: true, seed: 5 });
  const before = m.layers.map((l) => l.getWeights().map((t) => Array.from(t.dataSync())));
  const count = 16;
  const x = Float32Array.from({ length: count * 64 }, (_, i) => ((i * 37) % 17) / 17);
  const y = Float32Array.from({ length: count }, (_, i) => i % 2);
  const data = { x, y, count, shape: [8, 8, 1] as const };
  await fitModel(m, data, data, { epochs: 2, batchSize: 8, seed: 1, metrics: () => ({}), optimizer: { learningRate: 0.05 } });
  const after = m.layers.map((l) => l.getWeights().map((t) => Array.from(t.dataSync())));
  m.layers.forEach((layer, i) => {
    if (layer === m.layers[m.layers.length - 1]) assert.not.equal(after[i], before[i], 'head trained');
    else assert.equal(after[i], before[i], `${layer.getClassName()} unchanged`);
  });
  [base, m].forEach((k) => k.dispose());
});

Model('a sigmoid one-unit model is used as is; a wrong input shape is a MODEL_LOAD error', async ({ dir }) => {
  const m = tutorialCnn([8, 8, 1], { filters: [2, 2] }, 1);
  await saveModel(m, path.join(dir, 'cnn'));
  const loaded = await loadBaseModel(path.join(dir, 'cnn'), { inputShape: [8, 8, 1], freeze: 2 });
  assert.is(loaded.layers.length, m.layers.length, 'no head added');
  // The last 2 layers with weights are the BatchNorm and the head; everything from the BatchNorm on trains.
  assert.equal(
    loaded.layers.map((l) => l.getClassName()),
    ['Conv2D', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Flatten', 'Dropout', 'Dense'],
  );
  assert.equal(
    loaded.layers.map((l) => l.trainable),
    [false, false, false, true, true, true, true],
  );
  assert.is(loaded.trainableWeights.length, 2 + 2, 'BatchNorm gamma/beta and the head kernel/bias');
  // freeze: 3 also trains the second convolution (pooling has no weights and is not counted).
  const three = await loadBaseModel(path.join(dir, 'cnn'), { inputShape: [8, 8, 1], freeze: 3 });
  assert.equal(
    three.layers.map((l) => l.trainable),
    [false, true, true, true, true, true, true],
  );
  three.dispose();
  const e = await rejectsCode(
    loadBaseModel(path.join(dir, 'cnn'), { inputShape: [16, 16, 3] }),
    'MODEL_LOAD',
    /expects input \[8, 8, 1\] but the images are \[16, 16, 3\]/,
  );
  assert.ok(e.message.includes(path.join(dir, 'cnn')), 'names the path');
  assert.match(e.fix ?? '', /Resize/);
  await rejectsCode(loadBaseModel(path.join(dir, 'none'), { inputShape: [8, 8, 1] }), 'MODEL_LOAD', /No tfjs model/);
  [m, loaded].forEach((k) => k.dispose());
});

Model.run();
