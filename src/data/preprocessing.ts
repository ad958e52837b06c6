/**
 * The preprocessing steps a data set went through, in order. They travel with the data and are
 * saved with the model, so `medpipe predict` repeats exactly what training did.
 */
import type { NormalizeConfig } from './normalize-config.ts';

/** Decoding: resized to `size` with `channels` channels. */
export interface DecodeStep {
  readonly step: 'decode';
  readonly size: readonly [number, number];
  readonly channels: number;
}

/** A normalization applied per image (its config as written). */
export type NormalizeStep = { readonly step: 'normalize' } & NormalizeConfig;

/** Dataset z-score, fitted on the training split by `split` and replayed on every image since. */
export interface FittedZscoreStep {
  readonly step: 'normalize';
  readonly method: 'zscore';
  readonly scope: 'dataset';
  readonly fittedOn: 'train';
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly perChannel: boolean;
}

export type PreprocessStep = DecodeStep | NormalizeStep | FittedZscoreStep;

export function isFittedZscore(step: PreprocessStep): step is FittedZscoreStep {
  return step.step === 'normalize' && step.method === 'zscore' && 'fittedOn' in step;
}
