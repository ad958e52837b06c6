/**
 * One fold of `crossValidate` as a unit of work (src/base/units.ts): refit the dataset z-scores on the
 * fold's inner training rows, train a fresh copy of the built model on them, early-stopping on the
 * inner validation split, and score the held-out fold (fold-data.ts says why). The pooled train +
 * validation rows travel once — the folds of a run share that blob and the shards — and a fold is
 * three index lists.
 */
import type { Codec } from '../base/artifact.ts';
import type { UnitDefinition } from '../base/units.ts';
import type { AugmentPolicy } from '../data/augment-policy.ts';
import type { FitConfig } from './fit-config.ts';
import type { FitResult } from './fit.ts';
import { decodeWithModel, encodeWithModel, type ModelData } from './model-data.ts';
import type { FoldData } from './fold-data.ts';
import { bytesOf, floatsOf, intBytes, intsOf, rowsBlobs, rowsFrom, shardsOf, storeDataOf, storeMeta, type Rows, type StoreData } from './unit-codec.ts';

export interface FoldInput {
  readonly model: ModelData;
  /** Where the images are, and the pipeline's preprocessing (its dataset z-scores are refitted per fold). */
  readonly data: StoreData;
  /** Every pooled sample, in pooled order. */
  readonly pool: Rows;
  /** Pool indices the fold trains on, early-stops on (inner validation) and is scored on (held out, in fold order). */
  readonly trainIndices: Int32Array;
  readonly valIndices: Int32Array;
  readonly heldIndices: Int32Array;
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
  encode: ({ model, data, pool, trainIndices, valIndices, heldIndices, ...rest }) => {
    const withModel = encodeWithModel({ model, ...rest, data: storeMeta(data) });
    return {
      meta: withModel.meta,
      refs: shardsOf(pool.table),
      blobs: {
        ...withModel.blobs,
        ...rowsBlobs('pool', pool),
        trainIndices: intBytes(trainIndices),
        valIndices: intBytes(valIndices),
        heldIndices: intBytes(heldIndices),
      },
    };
  },
  decode: (artifact) => {
    const { model, data, ...rest } = decodeWithModel<
      { model: ModelData; data: Omit<StoreData, 'objectsDir'> } & Omit<FoldInput, 'model' | 'data' | 'pool' | 'trainIndices' | 'valIndices' | 'heldIndices'>
    >(artifact);
    return {
      ...rest,
      model,
      data: storeDataOf(data, artifact),
      pool: rowsFrom('pool', artifact.blobs),
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
  // 2: an inner validation split for early stopping and z-scores refitted per fold (was: early stopping
  // on the held-out fold); the data travels as rows of the record table and the shards they name.
  version: 2,
  usesTf: true,
  input: inputCodec,
  result: resultCodec,
  load: async () => (await import('./unit-runs.ts')).runFold,
};
