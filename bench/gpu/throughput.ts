/**
 * Training and prediction throughput of the tutorial CNN (64x64x3, Conv 128 5x5 → Conv 64 3x3 → MaxPool →
 * BatchNorm → Flatten → Dropout → Dense, Adam) on one tfjs backend, the loop medpipe's fit uses: the batch's
 * loss read after the next batch is queued, the data already on the device (as in the PyTorch reference).
 *   node throughput.mjs <backend> <batch> <steps> [profile]
 * Prints one JSON line; with `profile`, also the kernel time of one training step by kernel (device synced
 * around each kernel, so it sums to more than a step's wall time).
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../../src/backend/fused-adam.ts';
import { initBackend } from '../../src/backend/select.ts';
import { kernelProfile } from '../kernel-profile.ts';
import { modelFlops, tutorialModel } from '../tutorial-model.ts';

async function main(): Promise<void> {
  const [backendArg, batchArg, stepsArg, profileArg] = process.argv.slice(2);
  const batch = Number(batchArg ?? 256), steps = Number(stepsArg ?? 20);
  const choice = await initBackend(backendArg);
  const model = tutorialModel();
  const optimizer = adam(1e-3, 0.92, 0.999, 1e-7);
  const n = batch * steps;
  // Throughput does not depend on pixel values: a few random images tiled (drawing n·12288 numbers in
  // JavaScript would take seconds).
  const xs = tf.tile(tf.randomUniform([8, 64, 64, 3]), [n / 8, 1, 1, 1]);
  const ys = tf.cast(tf.greater(tf.randomUniform([n, 1]), 0.5), 'float32');
  const batches = Array.from({ length: steps }, (_, i) => [tf.slice(xs, [i * batch, 0, 0, 0], [batch, 64, 64, 3]), tf.slice(ys, [i * batch, 0], [batch, 1])]);
  const step = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.tidy(() => optimizer.minimize(() => {
    const pred = model.apply(x, { training: true }) as tf.Tensor;
    const bce = tf.mean(tf.metrics.binaryCrossentropy(y, pred)) as tf.Scalar;
    return model.losses.reduce((sum: tf.Scalar, l) => tf.add(sum, l()) as tf.Scalar, bce);
  }, true)!);

  // Warm-up: algorithm search, buffer pool, JIT.
  for (let i = 0; i < 3; i++) {
    const c = step(batches[0][0], batches[0][1]);
    await c.data();
    c.dispose();
  }
  let t0 = performance.now();
  let pending: tf.Scalar | undefined;
  let lastLoss = NaN;
  for (const [x, y] of batches) {
    const cost = step(x, y);
    if (pending) {
      lastLoss = (await pending.data())[0];
      pending.dispose();
    }
    pending = cost;
  }
  lastLoss = (await pending!.data())[0];
  pending!.dispose();
  const trainS = (performance.now() - t0) / 1000;

  const predict = (x: tf.Tensor): tf.Tensor => tf.tidy(() => model.predict(x) as tf.Tensor);
  for (let i = 0; i < 2; i++) (await predict(batches[0][0]).data());
  // Best of three rounds: one round is a fraction of a second.
  let predictS = Infinity;
  for (let round = 0; round < 3; round++) {
    t0 = performance.now();
    const outs = batches.map(([x]) => predict(x));
    for (const o of outs) await o.data();
    predictS = Math.min(predictS, (performance.now() - t0) / 1000);
    tf.dispose(outs);
  }

  let profile: { name: string; ms: number; calls: number }[] | undefined;
  if (profileArg === 'profile') {
    profile = (await kernelProfile(() => step(batches[0][0], batches[0][1]).dispose())).slice(0, 15);
  }
  const flops = modelFlops(model);
  const backend = tf.backend() as { fallbacks?: Map<string, number> };
  console.log(JSON.stringify({
    backend: choice.name, line: choice.line, batch, steps,
    trainImagesPerSec: n / trainS, predictImagesPerSec: n / predictS,
    trainTflops: (flops.train * n) / trainS / 1e12, lastLoss,
    fallbacks: backend.fallbacks ? Object.fromEntries(backend.fallbacks) : undefined,
    peakRssMiB: process.resourceUsage().maxRSS / 1024, profile,
  }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(1);
});
