/**
 * The bench's pipeline at scale: ingest → normalize (dataset z-score) → split → build (a small CNN:
 * 4x4 average pooling, two strided 3x3 convolutions, global pooling, one sigmoid unit) → fit (one
 * epoch) → evaluate, on `root` (224x224 grey PNGs in class folders). Written as a pipeline file
 * so `medpipe run` runs it as a user would.
 */
import { build, evaluate, fit, ingest, normalize, pipeline, split } from '../../src/index.ts';

export function scalePipeline(name: string, root: string) {
  return ingested(name, root)
    .stage(normalize({ method: 'zscore', scope: 'dataset' }))
    .stage(split())
    .stage(
      build.custom((inputShape, tf) =>
        tf.sequential({
          layers: [
            tf.layers.averagePooling2d({ inputShape, poolSize: 4, strides: 4 }),
            tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu' }),
            tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }),
            tf.layers.globalAveragePooling2d({}),
            tf.layers.dense({ units: 1, activation: 'sigmoid' }),
          ],
        }),
      ),
    )
    .stage(fit({ epochs: 1, batchSize: 64, earlyStopping: false }))
    .stage(evaluate({ png: false, gradCam: 4 }));
}

/** Its first stage alone, under the same name (so the same cache entries): `medpipe run` to the end of ingest. */
export function ingested(name: string, root: string) {
  return pipeline(name, { seed: 1 }).stage(ingest.folder({ root, size: [224, 224], channels: 1 }));
}

// BENCH_UNTIL=ingest: the ingest stage alone (the bench's one-changed-file run).
const name = process.env.BENCH_NAME ?? 'bench-scale';
const root = process.env.BENCH_ROOT ?? 'data';
export default process.env.BENCH_UNTIL === 'ingest' ? ingested(name, root) : scalePipeline(name, root);
