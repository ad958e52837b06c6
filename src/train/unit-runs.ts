/** What the training units do (loaded lazily by tune-trial.ts and cv-fold.ts, in a run or on a worker). */
import type { Work } from '../base/work.ts';
import type { FoldInput, FoldOutcome } from './cv-fold.ts';
import { foldPixels } from './fold-data.ts';
import { modelToData } from './model-data.ts';
import { predictScores, type FitData } from './predict.ts';
import { trainFresh } from './train-fresh.ts';
import type { TrialInput, TrialResult } from './tune-trial.ts';

/** One tune grid point: train on train, score val with the final weights. */
export async function runTrial(input: TrialInput, work: Work): Promise<TrialResult> {
  const { model, result } = await trainFresh(input.model, input.train, input.val, input.config, { ...work, seed: input.seed }, { augment: input.augment });
  try {
    const scores = await predictScores(model, input.val, input.config.batchSize ?? 32);
    return { model: await modelToData(model), fit: result, scores };
  } finally {
    model.dispose();
  }
}

/** The labels at `indices` of `pool`, in that order, with their (already cut) pixels. */
function part(pool: FitData, indices: Int32Array, x: Float32Array): FitData {
  const y = new Float32Array(indices.length);
  indices.forEach((i, k) => (y[k] = pool.y[i]!));
  return { x, y, count: indices.length, shape: pool.shape };
}

/** One cross-validation fold: z-scores refitted on its training part, early stopping on its inner validation split, the held-out part scored. */
export async function runFold(input: FoldInput, work: Work): Promise<FoldOutcome> {
  const cut = foldPixels(input.pool.x, input.pool.shape, { train: input.trainIndices, val: input.valIndices, heldOut: input.heldIndices }, input.zscores);
  const held = part(input.pool, input.heldIndices, cut.heldOut);
  const { model, result } = await trainFresh(
    input.model,
    part(input.pool, input.trainIndices, cut.train),
    part(input.pool, input.valIndices, cut.val),
    input.config,
    { ...work, seed: input.seed },
    { augment: input.augment },
  );
  try {
    return { fit: result, scores: await predictScores(model, held, input.config.batchSize ?? 32), normalization: cut.normalization };
  } finally {
    model.dispose();
  }
}
