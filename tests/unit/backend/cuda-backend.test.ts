/**
 * The cuda backend's TypeScript over a JavaScript stand-in for the GPU (tests/helpers/mock-device.ts): every
 * kernel case against tfjs' CPU backend, no CPU fallback for the kernels the device covers, residency (no
 * download until numbers are read), no leaked device buffers, device dropout and the fused Adam, and a fit
 * on the backend. The CUDA code itself is checked on a GPU by bench/gpu/run.sh.
 */
import * as tf from '@tensorflow/tfjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareKernels, compareTraining } from '../../../bench/gpu/cases.ts';
import type { CudaBackend } from '../../../src/backend/cuda/backend.ts';
import { deviceDropout, dropoutOnHost, dropoutUniform } from '../../../src/backend/cuda/dropout.ts';
import { registerCudaBackend } from '../../../src/backend/cuda/index.ts';
import { fitModel } from '../../../src/train/fit.ts';
import { MockDevice } from '../../helpers/mock-device.ts';

const NAME = 'cuda-mock';
const device = new MockDevice();
registerCudaBackend(device, NAME, 0.5);

const Cuda = suite('cuda backend (mock device)');

Cuda.before(async () => {
  await tf.setBackend('cpu');
});

Cuda.after(async () => {
  await tf.setBackend('cpu');
});

Cuda('every kernel case equals the CPU backend, with no fallback for the kernels it covers', async () => {
  const results = await compareKernels(NAME, 'cpu');
  const bad = results.filter((r) => !(r.error < 1e-5) || r.fellBack.length > 0);
  assert.is(bad.length, 0, bad.map((r) => `${r.name}: error ${r.error}, fell back: ${r.fellBack.join(',') || 'none'}`).join('; '));
  assert.ok(results.length >= 60, `${results.length} cases`);
});

Cuda('tensors stay on the device until numbers are read; host scalars are never uploaded', async () => {
  await tf.setBackend(NAME);
  const backend = tf.backend() as CudaBackend;
  const before = { ...backend.traffic };
  const x = tf.tensor1d(Array.from({ length: 32 }, (_, i) => (i % 2 ? -i : i)));
  const y = tf.tidy(() => tf.relu(tf.mul(tf.add(x, tf.ones([32])), 2)));
  assert.is(backend.traffic.downloads, before.downloads, 'no download while computing');
  assert.is(backend.traffic.uploads, before.uploads + 2, 'x and the ones, once each; the scalar 2 went by value');
  assert.equal(Array.from(await y.data()).slice(0, 4), [2, 0, 6, 0]);
  assert.is(backend.traffic.downloads, before.downloads + 1);
  y.dataSync();
  assert.is(backend.traffic.downloads, before.downloads + 1, 'a downloaded tensor keeps its host copy');
  tf.dispose([x, y]);
});

Cuda('no device buffer outlives its tensors', async () => {
  await tf.setBackend(NAME);
  const live = device.liveBuffers();
  const tensors = tf.memory().numTensors;
  const r = tf.tidy(() => {
    const x = tf.randomUniform([2, 8, 8, 3]);
    const w = tf.randomUniform([3, 3, 3, 4]);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, w]);
    return tf.sum(tf.add(tf.sum(g[0]), tf.sum(g[1])));
  });
  await r.data();
  r.dispose();
  assert.is(tf.memory().numTensors, tensors);
  assert.is(device.liveBuffers(), live);
});

Cuda('device dropout: the documented hash, the expected keep rate, and its gradient reapplies the mask', async () => {
  await tf.setBackend(NAME);
  const x = tf.ones([100000]);
  const y = deviceDropout(x, 0.3, 1234);
  const values = await y.data();
  assert.equal(Array.from(values.slice(0, 50)), Array.from(dropoutOnHost(new Float32Array(100000).fill(1), 0.3, 1234).slice(0, 50)));
  const kept = Array.from(values).filter((v) => v > 0).length / values.length;
  assert.ok(Math.abs(kept - 0.7) < 0.01, `kept ${kept}`);
  assert.ok(Math.abs(values.find((v) => v > 0)! - 1 / 0.7) < 1e-6);
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(deviceDropout(a, 0.3, 1234), tf.scalar(2))))(x);
  const gv = await g.data();
  for (let i = 0; i < 1000; i++) assert.ok(Math.abs(gv[i] - 2 * values[i]) < 1e-6);
  assert.ok(dropoutUniform(1, 0) !== dropoutUniform(2, 0), 'the seed matters');
  tf.dispose([x, y, g]);
});

Cuda('training steps with the fused Adam equal the CPU backend with tfjs Adam', async () => {
  const r = await compareTraining(NAME, 'cpu', 3);
  assert.ok(r.lossError < 1e-5, `losses ${JSON.stringify(r.losses)}`);
  assert.ok(r.weightError < 1e-4, `weights differ by ${r.weightError}`);
});

Cuda('fitModel trains on the backend: device dropout, fused Adam, lagged loss reads', async () => {
  await tf.setBackend(NAME);
  const backend = tf.backend() as CudaBackend;
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5, seed: 3 }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const n = 24;
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = (y[i] ? 0.6 : 0.4) + ((i * 31 + p * 17) % 13) / 100;
  }
  const data = { x, y, count: n, shape: [8, 8, 1] as [number, number, number] };
  const fallbacksBefore = new Map(backend.fallbacks);
  const batches: number[] = [];
  const result = await fitModel(model, data, data, {
    epochs: 2,
    batchSize: 8,
    seed: 5,
    metrics: (labels, scores) => ({ mean: scores.reduce((a, b) => a + b, 0) / scores.length + labels.length * 0 }),
    onBatch: (e) => batches.push(e.batch),
  });
  assert.is(result.epochsRun, 2);
  assert.equal(batches, [1, 2, 3, 1, 2, 3], 'one event per batch, in order');
  assert.ok(Number.isFinite(result.history[1].loss));
  for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad', 'BatchMatMul', 'MedpipeDropout', 'MedpipeAdam']) {
    assert.is(backend.fallbacks.get(k) ?? 0, fallbacksBefore.get(k) ?? 0, `${k} ran on the device`);
  }
  model.dispose();
});

Cuda.run();
