// Test-time augmentation by mirroring: flips are exact pixel permutations, no TTA is plain
// prediction, and TTA scores are the mean of the model's outputs over the mirrored copies.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { predictScores, type FitData } from '../../../src/train/predict.ts';
import { flipImages, predictTta, ttaVariants } from '../../../src/train/tta.ts';
import { evaluateConfigSchema } from '../../../src/report/evaluate-config.ts';
import { prng } from '../../helpers/prng.ts';

const T = suite('test-time augmentation');
T.before(async () => {
  await tf.setBackend('cpu');
});

/** Two 2x3 images with 2 channels whose every value encodes (image, row, column, channel). */
const code = (i: number, y: number, x: number, c: number) => 1000 * i + 100 * y + 10 * x + c;
function coded(): Float32Array {
  const out: number[] = [];
  for (let i = 0; i < 2; i++) for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 2; c++) out.push(code(i, y, x, c));
  return Float32Array.from(out);
}

T('flips move each pixel (all channels) to its mirrored place, within its own image, and undo themselves', () => {
  const x = coded();
  const shape = [2, 3, 2] as const;
  for (const [h, v] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const f = flipImages(x, shape, 2, h, v);
    let at = 0;
    for (let i = 0; i < 2; i++)
      for (let y = 0; y < 2; y++)
        for (let xx = 0; xx < 3; xx++)
          for (let c = 0; c < 2; c++) assert.is(f[at++], code(i, v ? 1 - y : y, h ? 2 - xx : xx, c), `h=${h} v=${v} (${i},${y},${xx},${c})`);
    assert.equal(Array.from(flipImages(f, shape, 2, h, v)), Array.from(x), 'a flip twice is the identity');
  }
  assert.equal(Array.from(flipImages(x, shape, 2, false, false)), Array.from(x));
});

T('variants: the unflipped image first; one per flip asked for, and both together when both are', () => {
  assert.equal(ttaVariants(undefined), [[false, false]]);
  assert.equal(ttaVariants({}), [[false, false]]);
  assert.equal(ttaVariants({ horizontalFlip: false, verticalFlip: false }), [[false, false]]);
  assert.equal(ttaVariants({ horizontalFlip: true }), [
    [false, false],
    [true, false],
  ]);
  assert.equal(ttaVariants({ verticalFlip: true }), [
    [false, false],
    [false, true],
  ]);
  assert.equal(ttaVariants({ horizontalFlip: true, verticalFlip: true }), [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]);
});

/** A model that is not mirror-invariant: a dense softmax over the flattened 4x5x1 image. */
function model(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [4, 5, 1] }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ seed: 4, stddev: 1 }) }));
  return m;
}

T('no flip asked for equals plain prediction; with flips, the mean of the outputs over the mirrored copies', async () => {
  const rand = prng(11);
  const count = 5;
  const shape = [4, 5, 1] as const;
  const x = Float32Array.from({ length: count * 20 }, () => rand() * 2 - 1);
  const data: FitData = { x, y: new Float32Array(count), count, shape: [...shape], task: 'multiclass', classes: 3 };
  const m = model();
  const plain = await predictScores(m, data);
  assert.equal(Array.from(await predictTta(m, data, undefined)), Array.from(plain));
  assert.equal(Array.from(await predictTta(m, data, { horizontalFlip: false })), Array.from(plain));

  const copies = await Promise.all(
    ttaVariants({ horizontalFlip: true, verticalFlip: true }).map(([h, v]) => predictScores(m, { ...data, x: flipImages(x, shape, count, h, v) })),
  );
  const both = await predictTta(m, data, { horizontalFlip: true, verticalFlip: true });
  assert.is(both.length, plain.length);
  for (let i = 0; i < both.length; i++) {
    const mean = copies.reduce((s, c) => s + c[i]!, 0) / copies.length;
    assert.ok(Math.abs(both[i]! - mean) <= 1e-6, `score ${i}: ${both[i]} vs mean ${mean}`);
  }
  assert.ok(
    both.some((s, i) => Math.abs(s - plain[i]!) > 1e-3),
    'the model is not mirror-invariant, so averaging changes the scores',
  );
  const h = await predictTta(m, data, { horizontalFlip: true });
  for (let i = 0; i < h.length; i++) assert.ok(Math.abs(h[i]! - (copies[0]![i]! + copies[1]![i]!) / 2) <= 1e-6, `horizontal only, score ${i}`);
  m.dispose();
});

T("evaluate's testTimeAugmentation: the two flips only, booleans", () => {
  assert.ok(evaluateConfigSchema.safeParse({ testTimeAugmentation: { horizontalFlip: true, verticalFlip: false } }).success);
  const unknown = evaluateConfigSchema.safeParse({ testTimeAugmentation: { rotation: 10 } });
  assert.not.ok(unknown.success);
  assert.match(JSON.stringify(unknown.error?.issues), 'rotation');
  assert.not.ok(evaluateConfigSchema.safeParse({ testTimeAugmentation: { horizontalFlip: 'yes' } }).success);
  assert.not.ok(evaluateConfigSchema.safeParse({ testTimeAugmentation: true }).success);
});

T.run();
