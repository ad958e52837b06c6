/**
 * A leaner gradient for FusedBatchNorm with per-channel statistics (BatchNorm layers in training).
 * tfjs' formula tiles rsqrt(var + ε) to the activation's full shape and multiplies dy by it and by
 * the scale (three full-size passes and a full-size temporary for dx alone), and forms dy·scale and
 * (x − mean) times per-channel factors before each of four reductions. Here every per-channel factor
 * is folded first ([C] tensors), so the full-size work is: dx = dy · (scale · r) (one broadcast
 * multiply), Σdy, and Σdy·(x − mean) shared by the mean, variance and scale gradients:
 *   r = rsqrt(var + ε); dx = dy·scale·r; dmean = −scale·r·Σdy; dvar = −½·scale·r³·Σdy(x − mean);
 *   dscale = r·Σdy(x − mean); doffset = Σdy
 * (sums over every axis but the channel's) — the same derivatives; only float rounding differs.
 * Used on the backends named here (native); elsewhere, and for other statistics shapes, tfjs' own.
 */
import * as tf from '@tensorflow/tfjs';

const on = new Set<string>();

export function installBatchNormGradient(backendName: string): void {
  const installed = on.size > 0;
  on.add(backendName);
  if (installed) return;
  const original = tf.getGradient(tf.FusedBatchNorm);
  if (!original) return;
  tf.registerGradient({
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const d = dy as tf.Tensor;
      const channels = x.shape[x.rank - 1];
      const perChannel = (t: tf.Tensor | undefined) => t === undefined || (t.rank === 1 && t.shape[0] === channels);
      if (!on.has(tf.getBackend()) || x.rank < 2 || !perChannel(mean) || !perChannel(variance) || !perChannel(scale) || d.dtype !== 'float32') {
        return original.gradFunc(dy, saved, attrs);
      }
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
      const scaleR = scale ? tf.mul(scale, r) : r;
      const sumDy = tf.sum(d, axes);
      const sumDyXm = tf.sum(tf.mul(d, tf.sub(x, mean)), axes);
      return {
        x: () => tf.mul(d, scaleR),
        mean: () => tf.neg(tf.mul(scaleR, sumDy)),
        variance: () => tf.mul(tf.mul(tf.mul(scaleR, tf.square(r)), -0.5), sumDyXm),
        scale: () => tf.mul(r, sumDyXm),
        offset: () => sumDy,
      };
    },
  });
}
