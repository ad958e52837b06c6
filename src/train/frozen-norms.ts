/**
 * Keras' fine-tuning rule: a frozen BatchNorm (trainable = false) runs in inference mode while the
 * rest trains, so it keeps the statistics it was transferred with (tfjs would otherwise update its
 * moving mean and variance on every training step, trainable or not).
 *
 * @example
 *   const restore = frozenNormsInInferenceMode(model.layers);
 *   try { ...train... } finally { restore(); }
 */
import type * as tf from '@tensorflow/tfjs';

type Callable = { call: (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[] };

/** Patches every frozen BatchNorm among `layers` to run in inference mode; returns the undo. */
export function frozenNormsInInferenceMode(layers: readonly tf.layers.Layer[]): () => void {
  const frozen = layers.filter((l) => !l.trainable && l.getClassName() === 'BatchNormalization') as unknown as Callable[];
  const original = frozen.map((l) => l.call);
  frozen.forEach((l, i) => {
    l.call = (inputs, kwargs) => original[i]!.call(l, inputs, { ...kwargs, training: false });
  });
  return () =>
    frozen.forEach((l, i) => {
      l.call = original[i]!;
    });
}
