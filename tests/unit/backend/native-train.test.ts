/**
 * A short real training run (PneumoniaMNIST slice, small CNN, fixed seeds) on the native backend reaches
 * the same validation AUC (within 0.01) as on tfjs' CPU backend. It also exercises the kernels fit() hits
 * around the overridden ones (GatherV2 for batches, Adam's elementwise ops, losses).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import { nativeAddon, requires } from '../../helpers/requires.ts';
import * as assert from 'uvu/assert';
import { loadAddon } from '../../../src/backend/native-addon.ts';
import { loadNativeBackend } from '../../../src/backend/native.ts';
import { parseNpz } from '../../../src/io/npy.ts';
import { SHARED_DATA } from '../../helpers/paths.ts';

const NPZ = path.join(SHARED_DATA, 'pneumoniamnist', 'pneumoniamnist.npz');
const TRAIN = 480,
  EPOCHS = 4;
const test = suite('native training');
const addonLoad = loadAddon();

/** Rank-based (Mann-Whitney) ROC AUC; ties count half. */
function auc(scores: Float32Array, labels: Float32Array): number {
  const order = [...scores.keys()].sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0,
    pos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (labels[order[k]] === 1) {
        rankSum += rank;
        pos++;
      }
    i = j + 1;
  }
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Small enough for tfjs' pure-JS CPU backend (its Conv2DBackpropFilter is very slow): 14x14 inputs
 * (2x2 average of the 28x28 images), 4 and 8 filters.
 */
function model(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [14, 14, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(3e-3), loss: 'binaryCrossentropy' });
  return m;
}

/** `n` images spread evenly over the split (the file is sorted by class), scaled to [0, 1], 14x14. */
function slice(npz: ReturnType<typeof parseNpz>, split: 'train' | 'val', n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const all = npz[`${split}_images`],
    labels = npz[`${split}_labels`].data;
  const total = all.shape[0];
  const pick = Array.from({ length: n }, (_, i) => Math.floor((i * total) / n));
  const px = new Float32Array(n * 784),
    ys = new Float32Array(n);
  pick.forEach((src, i) => {
    px.set(all.data.subarray(src * 784, (src + 1) * 784), i * 784);
    ys[i] = labels[src];
  });
  return tf.tidy(() => ({
    x: tf.avgPool(tf.tensor4d(px, [n, 28, 28, 1]).div(255) as tf.Tensor4D, 2, 2, 'valid'),
    y: tf.tensor2d(ys, [n, 1]),
  }));
}

async function trainAndScore(backend: string): Promise<number> {
  await tf.setBackend(backend);
  const npz = parseNpz(readFileSync(NPZ), NPZ);
  const train = slice(npz, 'train', TRAIN);
  const val = slice(npz, 'val', npz.val_images.shape[0]);
  const m = model();
  await m.fit(train.x, train.y, { epochs: EPOCHS, batchSize: 32, shuffle: false, verbose: 0 });
  const scores = (m.predict(val.x) as tf.Tensor).dataSync() as Float32Array;
  const result = auc(scores, val.y.dataSync() as Float32Array);
  tf.dispose([train.x, train.y, val.x, val.y]);
  m.dispose();
  return result;
}

const withAddon = requires(test, nativeAddon(addonLoad));
{
  withAddon('native and CPU backends reach the same validation AUC (±0.01)', async () => {
    const r = await loadNativeBackend();
    assert.ok(r.ok, r.ok ? '' : `native backend missing under CI: ${r.reason}; fix: ${r.fix}`);
    const t0 = performance.now();
    const cpu = await trainAndScore('cpu');
    const t1 = performance.now();
    const native = await trainAndScore('native');
    const t2 = performance.now();
    console.log(`  val AUC cpu ${cpu.toFixed(4)} (${((t1 - t0) / 1000).toFixed(1)} s), native ${native.toFixed(4)} (${((t2 - t1) / 1000).toFixed(1)} s)`);
    assert.ok(cpu > 0.75, `the CPU run did not learn (AUC ${cpu}); the comparison would be meaningless`);
    assert.ok(Math.abs(cpu - native) <= 0.01, `AUC differs: cpu ${cpu}, native ${native}`);
  });
}

test.run();
