/**
 * Losses for dense (per-pixel) outputs: y_true and y_pred are [N, H, W, C] (C = 1 for a sigmoid mask;
 * C = K+1 one-hot channels for softmax). An optional weight map [N, H, W, 1] (the ROI: 1 inside, 0
 * outside) removes pixels from every sum, so training looks only inside the field of view.
 * - soft Dice (Milletari et al. 2016, MONAI's DiceLoss with smooth_nr = smooth_dr = 1e-5):
 *   1 − mean over images and foreground channels of (2Σpy + s) / (Σp + Σy + s);
 * - BCE / categorical CE: mean over weighted pixels;
 * - Dice + CE (MONAI's DiceCELoss with equal weights): their sum;
 * - Tversky (Salehi et al. 2017, MONAI's TverskyLoss): 1 − mean of (TP + s) / (TP + α·FP + β·FN + s) with soft
 *   counts, α = 0.3, β = 0.7 (missing thin structures costs more than over-segmenting);
 * - focal (Lin et al. 2017, MONAI's FocalLoss with gamma = 2 and no α weighting): per pixel
 *   −Σ_c y_c (1 − p_c)^γ log p_c over the channels (binary: both the foreground and the background
 *   term, −y(1−p)^γ log p − (1−y)p^γ log(1−p)), averaged over the weighted pixels like CE; easy,
 *   confident pixels (most of the background) count little; γ = 0 is CE;
 * - Dice + focal (MONAI's DiceFocalLoss with equal weights): their sum.
 *
 * @example const loss = segmentationLoss('dice+ce'); loss(yTrue, yPred, roi)
 */
import * as tf from '@tensorflow/tfjs';
import { EPSILON } from './losses.ts';

export type SegmentationLossName = 'dice' | 'ce' | 'dice+ce' | 'tversky' | 'focal' | 'dice+focal';

export type DenseLoss = (yTrue: tf.Tensor4D, yPred: tf.Tensor4D, weight?: tf.Tensor4D) => tf.Scalar;

const SMOOTH = 1e-5;

/** The channels scored by Dice: the one sigmoid channel, or the foreground channels 1..K of a softmax. */
function foreground(t: tf.Tensor4D): tf.Tensor4D {
  const channels = t.shape[3];
  return channels === 1 ? t : (tf.slice(t, [0, 0, 0, 1], [-1, -1, -1, channels - 1]) as tf.Tensor4D);
}

export function softDiceLoss(yTrue: tf.Tensor4D, yPred: tf.Tensor4D, weight?: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    let y = foreground(tf.cast(yTrue, 'float32') as tf.Tensor4D);
    let p = foreground(yPred);
    if (weight) {
      y = tf.mul(y, weight);
      p = tf.mul(p, weight);
    }
    const inter = tf.sum(tf.mul(p, y), [1, 2]);
    const denom = tf.add(tf.sum(p, [1, 2]), tf.sum(y, [1, 2]));
    const dice = tf.div(tf.add(tf.mul(inter, 2), SMOOTH), tf.add(denom, SMOOTH));
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

export function tverskyLoss(alpha = 0.3, beta = 0.7): DenseLoss {
  return (yTrue, yPred, weight) =>
    tf.tidy(() => {
      let y = foreground(tf.cast(yTrue, 'float32') as tf.Tensor4D);
      let p = foreground(yPred);
      if (weight) {
        y = tf.mul(y, weight);
        p = tf.mul(p, weight);
      }
      const tp = tf.sum(tf.mul(p, y), [1, 2]);
      const fp = tf.sub(tf.sum(p, [1, 2]), tp);
      const fn = tf.sub(tf.sum(y, [1, 2]), tp);
      const index = tf.div(tf.add(tp, SMOOTH), tf.add(tf.add(tp, tf.add(tf.mul(fp, alpha), tf.mul(fn, beta))), SMOOTH));
      return tf.sub(1, tf.mean(index)) as tf.Scalar;
    });
}

export function crossEntropyLoss(yTrue: tf.Tensor4D, yPred: tf.Tensor4D, weight?: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(yTrue, 'float32');
    const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
    const perPixel =
      yPred.shape[3] === 1 ? tf.neg(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))) : tf.neg(tf.sum(tf.mul(y, tf.log(p)), -1, true));
    if (!weight) return tf.mean(perPixel) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perPixel, weight)), tf.maximum(tf.sum(weight), 1)) as tf.Scalar;
  });
}

/** Focal loss per pixel (see above), averaged over the pixels the weight map keeps. */
export function focalLoss(gamma = 2): DenseLoss {
  return (yTrue, yPred, weight) =>
    tf.tidy(() => {
      const y = tf.cast(yTrue, 'float32');
      const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
      // Binary: the background channel is 1 − p with truth 1 − y.
      const [ys, ps] = yPred.shape[3] === 1 ? [tf.concat([y, tf.sub(1, y)], -1), tf.concat([p, tf.sub(1, p)], -1)] : [y, p];
      const modulated = gamma === 0 ? tf.log(ps) : tf.mul(tf.pow(tf.sub(1, ps), gamma), tf.log(ps));
      const perPixel = tf.neg(tf.sum(tf.mul(ys, modulated), -1, true));
      if (!weight) return tf.mean(perPixel) as tf.Scalar;
      return tf.div(tf.sum(tf.mul(perPixel, weight)), tf.maximum(tf.sum(weight), 1)) as tf.Scalar;
    });
}

export function segmentationLoss(name: SegmentationLossName): DenseLoss {
  if (name === 'dice') return softDiceLoss;
  if (name === 'ce') return crossEntropyLoss;
  if (name === 'tversky') return tverskyLoss();
  if (name === 'focal') return focalLoss();
  if (name === 'dice+focal') {
    const focal = focalLoss();
    return (yTrue, yPred, weight) => tf.tidy(() => tf.add(softDiceLoss(yTrue, yPred, weight), focal(yTrue, yPred, weight)) as tf.Scalar);
  }
  return (yTrue, yPred, weight) => tf.tidy(() => tf.add(softDiceLoss(yTrue, yPred, weight), crossEntropyLoss(yTrue, yPred, weight)) as tf.Scalar);
}
