/**
 * What one cross-validation fold trains and scores on, built so that nothing about the held-out
 * fold reaches training: an inner validation split (for early stopping) carved from the fold's
 * training part, and dataset z-score statistics refitted on the inner training part only.
 */
import { sampleSize, type Subset } from '../data/image-set.ts';
import type { SampleMeta } from '../data/types.ts';
import { applyZscore, fitZscore } from '../data/zscore.ts';
import { MedpipeError } from '../base/errors.ts';

/** A dataset-level z-score as split records it in `preprocessing`. */
export interface ZscoreStep {
  readonly step: 'normalize';
  readonly method: 'zscore';
  readonly scope: 'dataset';
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly perChannel: boolean;
}

function isZscoreStep(step: unknown): step is ZscoreStep {
  const s = step as Partial<ZscoreStep> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.step === 'normalize' &&
    s.method === 'zscore' &&
    s.scope === 'dataset' &&
    Array.isArray(s.mean) &&
    Array.isArray(s.std)
  );
}

/**
 * The pixels as they were before split's train-fitted z-scores (x·std + mean, last step first), so
 * each fold can fit its own. Returns the input unchanged when there is none.
 */
export function withoutFittedZscores(pixels: Float32Array, channels: number, preprocessing: readonly unknown[]): Float32Array {
  const steps = preprocessing.filter(isZscoreStep);
  if (steps.length === 0) return pixels;
  const out = pixels.slice();
  for (const step of [...steps].reverse()) {
    for (let k = 0; k < out.length; k++) {
      const g = step.perChannel ? k % channels : 0;
      out[k] = out[k]! * step.std[g]! + step.mean[g]!;
    }
  }
  return out;
}

export interface FoldData {
  readonly train: Subset;
  /** Inner validation: early stopping watches it; never the held-out fold. */
  readonly val: Subset;
  readonly heldOut: Subset;
  /** The z-score statistics fitted on `train` (empty when the pipeline has none). */
  readonly normalization: readonly { readonly mean: number[]; readonly std: number[]; readonly perChannel: boolean }[];
}

/** One fold's pixels: the three parts, z-scored with statistics fitted on `train` only. */
export interface FoldPixels {
  readonly train: Float32Array;
  readonly val: Float32Array;
  readonly heldOut: Float32Array;
  readonly normalization: FoldData['normalization'];
}

/**
 * Cuts one fold's pixels out of the pool's (without split's z-scores, see withoutFittedZscores) and
 * refits the pipeline's dataset z-scores on the inner training part. The coordinator and a worker
 * running the fold as a unit (cv-fold.ts) both cut through here.
 * @example
 *   const parts = foldPixels(rawPixels, shape, { train: innerTrainIdx, val: innerValIdx, heldOut: foldIdx }, data.preprocessing);
 */
export function foldPixels(
  pixels: Float32Array,
  shape: readonly [number, number, number],
  indices: { readonly train: ArrayLike<number>; readonly val: ArrayLike<number>; readonly heldOut: ArrayLike<number> },
  preprocessing: readonly unknown[],
): FoldPixels {
  const held = new Set(Array.from(indices.heldOut));
  if (Array.from(indices.train).some((i) => held.has(i)) || Array.from(indices.val).some((i) => held.has(i))) {
    throw new MedpipeError('INTERNAL', 'A held-out sample was about to be used for training or early stopping.', {
      fix: 'This is a bug in fold assignment; please report it.',
    });
  }
  const size = sampleSize(shape);
  const pick = (idx: ArrayLike<number>): Float32Array => {
    const out = new Float32Array(idx.length * size);
    for (let k = 0; k < idx.length; k++) out.set(pixels.subarray(idx[k]! * size, (idx[k]! + 1) * size), k * size);
    return out;
  };
  let train = pick(indices.train);
  let val = pick(indices.val);
  let heldOut = pick(indices.heldOut);
  const normalization: FoldData['normalization'][number][] = [];
  const channels = shape[2];
  for (const step of zscoreSteps(preprocessing)) {
    const fit = fitZscore(train, channels, step.perChannel);
    const apply = (x: Float32Array) => applyZscore(x, channels, fit.mean, fit.std, fit.perChannel);
    [train, val, heldOut] = [apply(train), apply(val), apply(heldOut)];
    normalization.push(fit);
  }
  return { train, val, heldOut, normalization };
}

/** The dataset z-score steps of `preprocessing`, the only steps a fold refits (the rest are in the pixels). */
export function zscoreSteps(preprocessing: readonly unknown[]): readonly ZscoreStep[] {
  return preprocessing.filter(isZscoreStep);
}

/**
 * Cuts one fold out of the pool (pixels without split's z-scores, see withoutFittedZscores) and
 * refits the pipeline's dataset z-scores on the inner training part.
 * @example
 *   const fold = foldData(raw, shape, { train: innerTrainIdx, val: innerValIdx, heldOut: foldIdx }, data.preprocessing);
 */
export function foldData(
  pool: { readonly samples: readonly SampleMeta[]; readonly pixels: Float32Array },
  shape: readonly [number, number, number],
  indices: { readonly train: readonly number[]; readonly val: readonly number[]; readonly heldOut: readonly number[] },
  preprocessing: readonly unknown[],
): FoldData {
  const parts = foldPixels(pool.pixels, shape, indices, preprocessing);
  const subset = (idx: readonly number[], pixels: Float32Array): Subset => ({ samples: idx.map((i) => pool.samples[i]!), pixels });
  return {
    train: subset(indices.train, parts.train),
    val: subset(indices.val, parts.val),
    heldOut: subset(indices.heldOut, parts.heldOut),
    normalization: parts.normalization,
  };
}

/**
 * Folds given by a metadata attribute (a CSV `fold` column, or `site` for leave-one-site-out):
 * one fold per value, in sorted order.
 */
export function foldsByAttribute(samples: readonly SampleMeta[], attribute: string): { folds: number[][]; values: string[] } {
  const byValue = new Map<string, number[]>();
  const missing: string[] = [];
  samples.forEach((s, i) => {
    const v = s.attributes?.[attribute];
    if (v === undefined || v === '') missing.push(s.id);
    else {
      const list = byValue.get(v);
      if (list) list.push(i);
      else byValue.set(v, [i]);
    }
  });
  if (missing.length > 0 || byValue.size < 2) {
    throw new MedpipeError(
      'INVALID_CONFIG',
      missing.length > 0
        ? `crossValidate foldBy '${attribute}': ${missing.length} train/validation image(s) have no value for it.`
        : `crossValidate foldBy '${attribute}': it has ${byValue.size} value(s); folds need at least 2.`,
      {
        fix: `Give every image a '${attribute}' value (a CSV column), or drop foldBy to draw seeded stratified folds.`,
      },
    );
  }
  const values = [...byValue.keys()].sort();
  return { folds: values.map((v) => byValue.get(v)!), values };
}
