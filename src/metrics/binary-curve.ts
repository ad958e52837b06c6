import { MedpipeError } from '../base/errors.ts';

/**
 * The cumulative counts behind every ranking metric, the same quantity as scikit-learn's private
 * `_binary_clf_curve`: one entry per distinct score, highest first. Entry `k` describes the rule
 * "predict positive when score >= thresholds[k]": `tps[k]` positives and `fps[k]` negatives are
 * then predicted positive. Tied scores form one entry, so ties can never be split by input order.
 *
 * @example
 *   const c = binaryCurve([0, 1, 1], [0.2, 0.9, 0.2]);
 *   // c.thresholds = [0.9, 0.2], c.tps = [1, 2], c.fps = [0, 1], c.positives = 2, c.negatives = 1
 */
export interface BinaryCurve {
  /** Distinct scores, strictly decreasing. */
  readonly thresholds: Float64Array;
  /** True positives when predicting `score >= thresholds[k]` (non-decreasing). */
  readonly tps: Float64Array;
  /** False positives when predicting `score >= thresholds[k]` (non-decreasing). */
  readonly fps: Float64Array;
  /** Number of label-1 samples. */
  readonly positives: number;
  /** Number of label-0 samples. */
  readonly negatives: number;
}

/**
 * Checks that `labels` (0/1) and `scores` (finite numbers) describe the same non-empty set of
 * samples and returns how many positives there are. Throws a MedpipeError naming the fix otherwise.
 */
export function checkBinaryInput(labels: ArrayLike<number>, scores: ArrayLike<number>, what = 'scores'): { n: number; positives: number } {
  if (labels == null || scores == null || typeof labels.length !== 'number' || typeof scores.length !== 'number') {
    throw new MedpipeError('INVALID_CONFIG', `Metrics need arrays of labels and ${what}.`, {
      fix: `Pass labels (0/1) and ${what} as arrays or typed arrays of the same length.`,
    });
  }
  const n = labels.length;
  if (n === 0) {
    throw new MedpipeError('NO_SAMPLES', 'Cannot compute metrics on an empty set of samples.', {
      fix: 'Check that the split being evaluated is not empty (see the split stage summary).',
    });
  }
  if (scores.length !== n) {
    throw new MedpipeError('SHAPE_MISMATCH', `Metrics got ${n} labels but ${scores.length} ${what}.`, {
      fix: `Pass exactly one ${what === 'scores' ? 'score' : 'prediction'} per label, in the same order.`,
    });
  }
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y === 1) positives++;
    else if (y !== 0) {
      throw new MedpipeError('INVALID_CONFIG', `Label ${String(y)} at index ${i} is not 0 or 1.`, {
        fix: 'Binary metrics need labels 0 (negative class) and 1 (positive class).',
      });
    }
    const s = scores[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      throw new MedpipeError('INVALID_CONFIG', `The ${what === 'scores' ? 'score' : 'prediction'} at index ${i} is ${String(s)}, not a finite number.`, {
        fix:
          what === 'scores'
            ? 'A NaN or infinite score usually means the model diverged (check the loss curve) or the input was not normalised.'
            : 'Predictions must be 0 or 1.',
      });
    }
  }
  return { n, positives };
}

/**
 * Sorts the scores once (O(n log n)) and accumulates the counts per distinct score.
 * Positive and negative scores are sorted separately with the native numeric typed-array sort and
 * merged: the order among tied scores does not matter because a tie group is always taken whole.
 */
export function binaryCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): BinaryCurve {
  const { n, positives } = checkBinaryInput(labels, scores);
  const negatives = n - positives;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (labels[i] === 1) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  pos.sort();
  neg.sort();
  const thresholds = new Float64Array(n);
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let i = positives - 1;
  let j = negatives - 1;
  let tp = 0;
  let fp = 0;
  let k = 0;
  while (i >= 0 || j >= 0) {
    // The next threshold is the largest score not yet consumed; -0 === 0 keeps signed zeros together.
    const t = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    while (i >= 0 && pos[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      fp++;
      j--;
    }
    thresholds[k] = t === 0 ? 0 : t;
    tps[k] = tp;
    fps[k] = fp;
    k++;
  }
  return {
    thresholds: thresholds.slice(0, k),
    tps: tps.slice(0, k),
    fps: fps.slice(0, k),
    positives,
    negatives,
  };
}
