/**
 * The end of medpipe's built-in CNNs: feature maps → Flatten or global average pooling → Dropout →
 * the task's Dense head. Flatten gives every position of the last maps its own weights (the
 * tutorial's); global average pooling (Lin et al. 2014, ResNet's head) averages each channel over
 * the image first, so the head has channels × units weights instead of h × w × channels × units:
 * far fewer parameters on a small data set, and the model cannot key on where in the image a
 * feature lies.
 */
import * as tf from '@tensorflow/tfjs';
import type { Head } from './model.ts';

export type Pooling = 'flatten' | 'average';

export function addClassifierHead(
  model: tf.Sequential,
  { pooling = 'flatten', dropout, dropoutSeed, headSeed }: { pooling?: Pooling; dropout: number; dropoutSeed?: number; headSeed?: number },
  head: Head,
): void {
  model.add(pooling === 'average' ? tf.layers.globalAveragePooling2d({}) : tf.layers.flatten());
  if (dropout > 0) model.add(tf.layers.dropout({ rate: dropout, seed: dropoutSeed }));
  model.add(tf.layers.dense({ units: head.units, activation: head.activation, kernelInitializer: tf.initializers.glorotNormal({ seed: headSeed }) }));
}
