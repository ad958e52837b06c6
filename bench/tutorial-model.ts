/**
 * The tutorial CNN the bench measures, in plain tfjs layers (the same network as bench/torch_reference.py):
 * Conv2D 3->128 5x5 same relu, Conv2D 128->64 3x3 same relu with L2, MaxPool 2x2, BatchNorm, Flatten,
 * Dropout 0.5, Dense(1, sigmoid); Adam(lr 1e-3, beta1 0.92, beta2 0.999), binary cross-entropy.
 */
import * as tf from '@tensorflow/tfjs';

export const IMAGE_SIZE = 64;

export function tutorialModel(size = IMAGE_SIZE, seed = 1): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [size, size, 3],
        filters: 128,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3, 0.92, 0.999), loss: 'binaryCrossentropy' });
  return model;
}

/**
 * Multiply-adds x2 per image of the model's convolutions and dense layers, forward and for one training
 * step (forward + filter gradient + input gradient, the latter skipped for the first layer).
 */
export function modelFlops(model: tf.LayersModel): { forward: number; train: number } {
  let forward = 0,
    train = 0,
    first = true;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Dense') continue;
    const kernel = layer.getWeights()[0].shape as number[];
    const out = (layer.outputShape as number[]).slice(1);
    // Conv2D: 2 * outH * outW * (kh * kw * inC * outC); Dense: 2 * in * out.
    const f = cls === 'Conv2D' ? 2 * out[0] * out[1] * kernel.reduce((p, d) => p * d, 1) : 2 * kernel[0] * kernel[1];
    forward += f;
    train += f * (first ? 2 : 3);
    first = false;
  }
  return { forward, train };
}
