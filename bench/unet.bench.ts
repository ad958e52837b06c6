/**
 * One U-Net training step on DRIVE-like patches (16 and 32 × 48x48x1, depth 3, 16 base filters) on the
 * selected backend: step time (median of 5 after a warm-up) for both decoder upsamplings, and the
 * kernel profile of one transposed-convolution step (the kernels a U-Net adds to a classifier's:
 * Conv2DBackpropInput for the transposed convolution, Concat for the skips). Prints `uptime` too:
 * the machine is shared, read the numbers with its load.
 *   npm run bench:unet
 */
import { execSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.ts';
import { adam } from '../src/backend/fused-adam.ts';
import { segmentationLoss } from '../src/train/segmentation-losses.ts';
import { unet } from '../src/train/unet.ts';
import { kernelProfile } from './kernel-profile.ts';

const backend = await initBackend(process.env.MEDPIPE_BACKEND);
console.log(backend.line);
console.log(`load: ${execSync('uptime').toString().trim()}`);
const p = 48;
const loss = segmentationLoss('dice+ce');

async function measure(upsampling: 'transpose' | 'nearest', n: number) {
  const x = tf.randomNormal([n, p, p, 1]) as tf.Tensor4D;
  const y = tf.cast(tf.greater(tf.randomUniform([n, p, p, 1]), 0.9), 'float32') as tf.Tensor4D;
  const model = unet([p, p, 1], 2, { depth: 3, baseFilters: 16, upsampling }, 1);
  const optimizer = adam(1e-3, 0.9, 0.999, 1e-7);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = async () => {
    const cost = optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor4D), true, vars)!;
    await cost.data();
    cost.dispose();
  };
  await step();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await step();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const profile = upsampling === 'transpose' && n === 16 ? await kernelProfile(step) : [];
  model.dispose();
  tf.dispose([x, y]);
  return { median: times[2]!, profile };
}

const rows = [];
for (const [upsampling, n] of [
  ['transpose', 16],
  ['nearest', 16],
  ['transpose', 32],
] as const)
  rows.push({ upsampling, n, ...(await measure(upsampling, n)) });
console.log('\n| decoder upsampling | batch (48x48 patches) | ms / step | patches / s |\n| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.upsampling} | ${r.n} | ${r.median.toFixed(0)} | ${((1000 * r.n) / r.median).toFixed(0)} |`);
const total = rows[0]!.profile.reduce((a, k) => a + k.ms, 0);
console.log('\n| kernel (transpose step) | ms | calls | share |\n| --- | --- | --- | --- |');
for (const k of rows[0]!.profile.slice(0, 12)) console.log(`| ${k.name} | ${k.ms.toFixed(1)} | ${k.calls} | ${((100 * k.ms) / total).toFixed(1)}% |`);
