/**
 * One fold of `crossValidate` as a unit of work (src/base/units.ts): refit the dataset z-scores on the
 * fold's inner training part, train a fresh copy of the built model on it, early-stopping on the inner
 * validation split, and score the held-out fold (fold-data.ts says why). The pooled train +
 * validation pixels (without split's z-scores) travel once — the folds of a run share that blob —
 * and a fold is three index lists.
 */
import type { Codec } from '../base/artifact.ts';
import type { UnitDefinition } from '../base/units.ts';
import type { AugmentPolicy } from '../data/augment-policy.ts';
import type { FitConfig } from './fit-config.ts';
import type { FitResult } from './fit.ts';
import { decodeWithModel, encodeWithModel, type ModelData } from './model-data.ts';
import type { FoldData, ZscoreStep } from './fold-data.ts';
import type { FitData } from './predict.ts';
import { bytesOf, fitDataBlobs, fitDataOf, floatsOf, intBytes, intsOf } from './unit-codec.ts';

export interface FoldInput {
  readonly model: ModelData;
  /** Every pooled sample, in pooled order, without split's z-scores. */
  readonly pool: FitData;
  /** Pool indices the fold trains on, early-stops on (inner validation) and is scored on (held out, in fold order). */
  readonly trainIndices: Int32Array;
  readonly valIndices: Int32Array;
  readonly heldIndices: Int32Array;
  /** The pipeline's dataset z-scores, refitted on the fold's training part. */
  readonly zscores: readonly ZscoreStep[];
  readonly config: FitConfig;
  readonly augment?: AugmentPolicy;
  readonly seed: number;
}

export interface FoldOutcome {
  readonly fit: FitResult;
  /** Scores of the held-out samples, in `heldIndices` order. */
  readonly scores: Float32Array;
  /** The z-score statistics fitted on the fold's training part. */
  readonly normalization: FoldData['normalization'];
}

const inputCodec: Codec<FoldInput> = {
  encode: ({ model, pool, trainIndices, valIndices, heldIndices, ...rest }) => {
    const withModel = encodeWithModel({ model, ...rest, shape: pool.shape });
    return {
      meta: withModel.meta,
      blobs: {
        ...withModel.blobs,
        ...fitDataBlobs('pool', pool),
        trainIndices: intBytes(trainIndices),
        valIndices: intBytes(valIndices),
        heldIndices: intBytes(heldIndices),
      },
    };
  },
  decode: (artifact) => {
    const { model, shape, ...rest } = decodeWithModel<
      { model: ModelData; shape: FitData['shape'] } & Omit<FoldInput, 'model' | 'pool' | 'trainIndices' | 'valIndices' | 'heldIndices'>
    >(artifact);
    return {
      ...rest,
      model,
      pool: fitDataOf('pool', artifact.blobs, shape),
      trainIndices: intsOf(artifact.blobs.trainIndices),
      valIndices: intsOf(artifact.blobs.valIndices),
      heldIndices: intsOf(artifact.blobs.heldIndices),
    };
  },
};

const resultCodec: Codec<FoldOutcome> = {
  encode: ({ scores, fit, normalization }) => ({ meta: { fit, normalization }, blobs: { scores: bytesOf(scores) } }),
  decode: (artifact) => {
    const { fit, normalization } = artifact.meta as Pick<FoldOutcome, 'fit' | 'normalization'>;
    return { fit, normalization, scores: floatsOf(artifact.blobs.scores) };
  },
};

export const foldUnit: UnitDefinition<FoldInput, FoldOutcome> = {
  kind: 'crossValidate.fold',
  // 2: an inner validation split for early stopping and z-scores refitted per fold (was: early stopping on the held-out fold).
  version: 2,
  usesTf: true,
  input: inputCodec,
  result: resultCodec,
  load: async () => (await import('./unit-runs.ts')).runFold,
};
