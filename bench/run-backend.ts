/**
 * One bench measurement in its own process (so peak RSS is this backend's own):
 *   tsx bench/run-backend.ts <backend> <images> <batch> <trainOnBatch|minimize> <profile|noprofile>
 * Prints one JSON line (ChildResult). Images are random: throughput does not depend on pixel values.
 */
import * as tf from '@tensorflow/tfjs';
import { loadNativeBackend } from '../src/backend/native.ts';
import { modelFlops, tutorialModel } from './tutorial-model.ts';
import { kernelProfile } from './kernel-profile.ts';

export interface ChildResult {
  readonly backend: string;
  readonly info?: string;
  readonly trainImagesPerSec: number;
  readonly predictImagesPerSec: number;
  readonly trainFlopsPerImage: number;
  readonly forwardFlopsPerImage: number;
  readonly peakRssMiB: number;
  /** Kernel time of one training step by kernel name, slowest first. */
  readonly profile?: { name: string; ms: number; calls: number }[];
  readonly profileStepMs?: number;
}

async function main(): Promise<void> {
  const [backend, imagesArg, batchArg, loop, profileArg] = process.argv.slice(2);
  const images = Number(imagesArg),
    batch = Number(batchArg);
  let info: string | undefined;
  if (backend === 'native') {
    const r = await loadNativeBackend();
    if (!r.ok) throw new Error(`native backend unavailable: ${r.reason}`);
    info = r.info;
  } else if (backend === 'tensorflow') {
    await import('@tensorflow/tfjs-node' as string);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);

  const model = tutorialModel();
  const flops = modelFlops(model);
  const xs = tf.randomUniform([images, 64, 64, 3]);
  const ys = tf.randomUniform([images, 1]).greater(0.5).cast('float32');
  const batches: [tf.Tensor, tf.Tensor][] = [];
  for (let i = 0; i < images; i += batch) {
    const n = Math.min(batch, images - i);
    batches.push([xs.slice([i, 0, 0, 0], [n, 64, 64, 3]), ys.slice([i, 0], [n, 1])]);
  }

  const optimizer = tf.train.adam(1e-3, 0.92, 0.999);
  const step = async (x: tf.Tensor, y: tf.Tensor): Promise<void> => {
    if (loop === 'minimize') {
      // The custom-loop style: loss = BCE + the model's regularisation losses, minimised by the optimizer.
      const loss = optimizer.minimize(() => {
        const pred = model.apply(x, { training: true }) as tf.Tensor;
        const bce = tf.mean(tf.metrics.binaryCrossentropy(y, pred)) as tf.Scalar;
        return model.losses.reduce((sum: tf.Scalar, l) => tf.add(sum, l()) as tf.Scalar, bce);
      }, true);
      loss?.dataSync();
      loss?.dispose();
    } else {
      await model.trainOnBatch(x, y);
    }
  };

  const warm = backend !== 'cpu';
  if (warm) await step(batches[0][0], batches[0][1]);
  let t0 = performance.now();
  for (const [x, y] of batches) await step(x, y);
  const trainS = (performance.now() - t0) / 1000;

  if (warm) tf.tidy(() => (model.predict(batches[0][0]) as tf.Tensor).dataSync());
  t0 = performance.now();
  for (const [x] of batches) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const predictS = (performance.now() - t0) / 1000;

  let profile: ChildResult['profile'];
  let profileStepMs: number | undefined;
  if (profileArg === 'profile') {
    profile = await kernelProfile(() => step(batches[0][0], batches[0][1]));
    profileStepMs = profile.reduce((s, k) => s + k.ms, 0);
  }

  const result: ChildResult = {
    backend,
    info,
    trainImagesPerSec: images / trainS,
    predictImagesPerSec: images / predictS,
    trainFlopsPerImage: flops.train,
    forwardFlopsPerImage: flops.forward,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    profile,
    profileStepMs,
  };
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
