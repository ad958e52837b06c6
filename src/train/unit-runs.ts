/** What the training units do (loaded lazily by tune-trial.ts and cv-fold.ts, in a run or on a worker). */
import type { Work } from '../base/work.ts';
import type { FoldInput, FoldOutcome } from './cv-fold.ts';
import { foldTables } from './fold-data.ts';
import { modelToData } from './model-data.ts';
import { labelWidth, predictScores } from './predict.ts';
import { rowsFitData, trainFresh } from './train-fresh.ts';
import type { TrialInput, TrialResult } from './tune-trial.ts';
import { labelsAt as labelsAtRows } from './unit-codec.ts';

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

/** One cross-validation fold: z-scores refitted on its training rows, early stopping on its inner validation split, the held-out part scored. */
export async function runFold(input: FoldInput, work: Work): Promise<FoldOutcome> {
  const cut = await foldTables(input.data, input.pool.table, { train: input.trainIndices, val: input.valIndices, heldOut: input.heldIndices }, work.signal);
  const data = { ...input.data, preprocessing: cut.preprocessing };
  const width = labelWidth(rowsFitData(input.data, input.pool));
  const labelsAt = (indices: Int32Array) => labelsAtRows(input.pool.y, indices, width);
  const held = rowsFitData(data, { table: cut.heldOut, y: labelsAt(input.heldIndices) });
  const { model, result } = await trainFresh(
    input.model,
    rowsFitData(data, { table: cut.train, y: labelsAt(input.trainIndices) }),
    rowsFitData(data, { table: cut.val, y: labelsAt(input.valIndices) }),
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
