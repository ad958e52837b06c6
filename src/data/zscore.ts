/**
 * Dataset-level z-score normalisation: statistics fitted on one set of images (the training split,
 * or a cross-validation fold's training part) and applied to others.
 */

/** A fitted z-score: one mean/std for all values, or one per channel of a channels-last buffer. */
export interface ZscoreFit {
  readonly mean: number[];
  readonly std: number[];
  readonly perChannel: boolean;
}

/**
 * Fits mean and (population) standard deviation on `pixels`; a zero std becomes 1 so constant
 * images stay finite.
 * @example
 *   const fit = fitZscore(train.pixels, 3, true);
 *   const val = applyZscore(valPixels, 3, fit.mean, fit.std, true);
 */
export function fitZscore(pixels: Float32Array, channels: number, perChannel: boolean): ZscoreFit {
  const groups = perChannel ? channels : 1;
  const mean = new Array<number>(groups).fill(0);
  const sq = new Array<number>(groups).fill(0);
  const count = new Array<number>(groups).fill(0);
  for (let k = 0; k < pixels.length; k++) {
    const g = perChannel ? k % channels : 0;
    mean[g] += pixels[k]!;
    count[g]++;
  }
  for (let g = 0; g < groups; g++) mean[g] /= Math.max(count[g]!, 1);
  for (let k = 0; k < pixels.length; k++) {
    const g = perChannel ? k % channels : 0;
    sq[g] += (pixels[k]! - mean[g]!) ** 2;
  }
  const std = sq.map((s, g) => Math.sqrt(s / Math.max(count[g]!, 1)) || 1);
  return { mean, std, perChannel };
}

/**
 * (x − mean) / std with fitted statistics: one mean/std for all values, or one per channel of the
 * channels-last buffer. Used by split (fitting on train) and by predict (replaying the fit).
 */
export function applyZscore(pixels: Float32Array, channels: number, mean: readonly number[], std: readonly number[], perChannel: boolean): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    const g = perChannel ? k % channels : 0;
    out[k] = (pixels[k]! - mean[g]!) / std[g]!;
  }
  return out;
}
