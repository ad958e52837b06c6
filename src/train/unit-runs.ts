/** What the training units do (loaded lazily by tune-trial.ts and cv-fold.ts, in a run or on a worker). */
import type { Work } from '../base/work.ts';
import type { FoldInput, FoldOutcome } from './cv-fold.ts';
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

/** The samples at `indices` of `pool`, in that order. */
function pickFit(pool: FitData, indices: Int32Array): FitData {
  const size = pool.shape[0] * pool.shape[1] * pool.shape[2];
  const x = new Float32Array(indices.length * size);
  const y = new Float32Array(indices.length);
  indices.forEach((i, k) => {
    x.set(pool.x.subarray(i * size, (i + 1) * size), k * size);
    y[k] = pool.y[i]!;
  });
  return { x, y, count: indices.length, shape: pool.shape };
}

/** One cross-validation fold: train on the other folds, score the held-out one. */
export async function runFold(input: FoldInput, work: Work): Promise<FoldOutcome> {
  const held = pickFit(input.pool, input.heldIndices);
  const { model, result } = await trainFresh(
    input.model,
    pickFit(input.pool, input.trainIndices),
    held,
    input.config,
    { ...work, seed: input.seed },
    { augment: input.augment },
  );
  try {
    return { fit: result, scores: await predictScores(model, held, input.config.batchSize ?? 32) };
  } finally {
    model.dispose();
  }
}
