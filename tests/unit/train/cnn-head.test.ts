// The built-in CNNs' head options: `pooling: 'average'` (global average pooling instead of Flatten) on
// the tutorial and compact CNNs, and the compact CNN's `batchNorm` (conv + relu → BatchNorm → pool),
// its 'auto' momentum through buildModel, and the error for a momentum without BatchNorm.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { tutorialCnn } from '../../../src/train/model.ts';
import { compactCnn } from '../../../src/train/compact-cnn.ts';
import { buildModel, headFor } from '../../../src/train/build-model.ts';
import { batchNormMomentumFor } from '../../../src/train/batch-norm-momentum.ts';
import { failure } from '../../helpers/expect-error.ts';

const H = suite('CNN heads: global average pooling, BatchNorm blocks');
H.before(async () => {
  await tf.setBackend('cpu');
});

const classNames = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName());
const params = (m: tf.LayersModel) => m.countParams();

H("tutorialCnn pooling 'average': one value per channel reaches the head, the mean of the last maps", () => {
  const flat = tutorialCnn([12, 12, 3], { filters: [4, 6] }, 3, headFor('ordinal', 5));
  const avg = tutorialCnn([12, 12, 3], { filters: [4, 6], pooling: 'average' }, 3, headFor('ordinal', 5));
  assert.equal(classNames(avg), ['Conv2D', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'GlobalAveragePooling2D', 'Dropout', 'Dense']);
  assert.equal(avg.layers[4]!.outputShape, [null, 6]);
  assert.is(params(flat) - params(avg), 6 * 6 * 6 * 5 - 6 * 5, 'head weights: 6x6x6 x 5 with Flatten, 6 x 5 with averaging');
  // Same seed, same convolution weights: only the head differs.
  assert.equal(Array.from(avg.layers[0]!.getWeights()[0]!.dataSync()), Array.from(flat.layers[0]!.getWeights()[0]!.dataSync()));
  // The pooled features are the per-channel means of the BatchNorm output (checked by hand, not by tfjs' layer).
  const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 7);
  let maps = x;
  for (const layer of avg.layers.slice(0, 4)) maps = layer.apply(maps, { training: false }) as tf.Tensor;
  const pooled = avg.layers[4]!.apply(maps) as tf.Tensor;
  const m = maps.arraySync() as number[][][][];
  const want = m.map((image) => Array.from({ length: 6 }, (_, c) => image.flat().reduce((s, px) => s + px[c]!, 0) / 36));
  const got = pooled.arraySync() as number[][];
  want.forEach((row, i) => row.forEach((v, c) => assert.ok(Math.abs(got[i]![c]! - v) < 1e-5, `image ${i} channel ${c}: ${got[i]![c]} vs ${v}`)));
  tf.dispose([x, maps, pooled]);
  flat.dispose();
  avg.dispose();
});

H('compactCnn batchNorm: conv + relu → BatchNorm (the given momentum) → pool in every block; averaging head', () => {
  const m = compactCnn([16, 16, 1], { filters: [2, 4], batchNorm: true, batchNormMomentum: 0.8, pooling: 'average' }, 5, headFor('multiclass', 3));
  assert.equal(classNames(m), [
    'Conv2D',
    'BatchNormalization',
    'MaxPooling2D',
    'Conv2D',
    'BatchNormalization',
    'MaxPooling2D',
    'GlobalAveragePooling2D',
    'Dropout',
    'Dense',
  ]);
  assert.equal(m.outputs[0]!.shape, [null, 3]);
  for (const i of [1, 4]) assert.is((m.layers[i]!.getConfig() as { momentum: number }).momentum, 0.8);
  assert.is((m.layers[0]!.getConfig() as { activation: string }).activation, 'relu');
  const plain = compactCnn([16, 16, 1], { filters: [2, 4] }, 5, headFor('multiclass', 3));
  assert.is(classNames(plain).includes('BatchNormalization'), false, 'off by default');
  m.dispose();
  plain.dispose();
});

const topologyLayers = (built: { model: { topology: unknown } }) =>
  (built.model.topology as { config: { layers: { class_name: string; config: { momentum?: number } }[] } }).config.layers;

H("buildModel: compact CNN with batchNormMomentum 'auto' takes it from the training split; a momentum without batchNorm is an error", async () => {
  const context = { seed: 1, baseDir: '.', dataHash: 'h', trainCount: 300, task: 'ordinal' as const, classes: 5 };
  const built = await buildModel({ model: 'compact-cnn', filters: [2, 2], batchNorm: true, batchNormMomentum: 'auto', pooling: 'average' }, [8, 8, 3], context);
  const momenta = topologyLayers(built)
    .filter((l) => l.class_name === 'BatchNormalization')
    .map((l) => l.config.momentum);
  assert.equal(momenta, [batchNormMomentumFor(300), batchNormMomentumFor(300)]);
  const error = await failure(() => buildModel({ model: 'compact-cnn', filters: [2, 2], batchNormMomentum: 0.9 }, [8, 8, 3], context));
  assert.is(error.code, 'INVALID_CONFIG');
  assert.match(error.message, /batchNormMomentum is set but batchNorm is off/);
  assert.match(error.fix ?? '', /batchNorm: true/);
});

H.run();
