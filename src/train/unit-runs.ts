/** What the training units do (loaded lazily by tune-trial.ts and cv-fold.ts, in a run or on a worker). */
import type { Work } from '../base/work.ts';
import type { FoldInput, FoldOutcome } from './cv-fold.ts';
import { foldTables } from './fold-data.ts';
import { modelToData } from './model-data.ts';
import { predictScores } from './predict.ts';
import { rowsFitData, trainFresh } from './train-fresh.ts';
import type { TrialInput, TrialResult } from './tune-trial.ts';

/** One tune grid point: train on train, score val with the final weights. */
export async function runTrial(input: TrialInput, work: Work): Promise<TrialResult> {
  const val = rowsFitData(input.data, input.val);
  const { model, result } = await trainFresh(
    input.model,
    rowsFitData(input.data, input.train),
    val,
    input.config,
    { ...work, seed: input.seed },
    { augment: input.augment },
  );
  try {
    const scores = await predictScores(model, val, input.config.batchSize ?? 32);
    return { model: await modelToData(model), fit: result, scores };
  } finally {
    model.dispose();
  }
}

/** The labels at `indices` of `y`, in that order. */
function labelsAt(y: Float32Array, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length);
  indices.forEach((i, k) => (out[k] = y[i]!));
  return out;
}

/** One cross-validation fold: z-scores refitted on its training rows, early stopping on its inner validation split, the held-out part scored. */
export async function runFold(input: FoldInput, work: Work): Promise<FoldOutcome> {
  const cut = await foldTables(input.data, input.pool.table, { train: input.trainIndices, val: input.valIndices, heldOut: input.heldIndices }, work.signal);
  const data = { ...input.data, preprocessing: cut.preprocessing };
  const held = rowsFitData(data, { table: cut.heldOut, y: labelsAt(input.pool.y, input.heldIndices) });
  const { model, result } = await trainFresh(
    input.model,
    rowsFitData(data, { table: cut.train, y: labelsAt(input.pool.y, input.trainIndices) }),
    rowsFitData(data, { table: cut.val, y: labelsAt(input.pool.y, input.valIndices) }),
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
