/**
 * One fold of `crossValidate` as a unit of work (src/base/units.ts): train a fresh copy of the built
 * model on the other folds, score the held-out fold. The pooled train + validation data travel once
 * (the folds of a run share that blob); the fold is a pair of index lists.
 */
import type { Codec } from '../base/artifact.ts';
import type { UnitDefinition } from '../base/units.ts';
import type { AugmentPolicy } from '../data/augment-policy.ts';
import type { FitConfig } from './fit-config.ts';
import type { FitResult } from './fit.ts';
import { decodeWithModel, encodeWithModel, type ModelData } from './model-data.ts';
import type { FitData } from './predict.ts';
import { bytesOf, fitDataBlobs, fitDataOf, floatsOf, intBytes, intsOf } from './unit-codec.ts';

export interface FoldInput {
  readonly model: ModelData;
  /** Every pooled sample, in pooled order. */
  readonly pool: FitData;
  /** Pool indices the fold trains on, and the held-out ones it is scored on (in fold order). */
  readonly trainIndices: Int32Array;
  readonly heldIndices: Int32Array;
  readonly config: FitConfig;
  readonly augment?: AugmentPolicy;
  readonly seed: number;
}

export interface FoldOutcome {
  readonly fit: FitResult;
  /** Scores of the held-out samples, in `heldIndices` order. */
  readonly scores: Float32Array;
}

const inputCodec: Codec<FoldInput> = {
  encode: ({ model, pool, trainIndices, heldIndices, ...rest }) => {
    const withModel = encodeWithModel({ model, ...rest, shape: pool.shape });
    return {
      meta: withModel.meta,
      blobs: { ...withModel.blobs, ...fitDataBlobs('pool', pool), trainIndices: intBytes(trainIndices), heldIndices: intBytes(heldIndices) },
    };
  },
  decode: (artifact) => {
    const { model, shape, ...rest } = decodeWithModel<
      { model: ModelData; shape: FitData['shape'] } & Omit<FoldInput, 'model' | 'pool' | 'trainIndices' | 'heldIndices'>
    >(artifact);
    return {
      ...rest,
      model,
      pool: fitDataOf('pool', artifact.blobs, shape),
      trainIndices: intsOf(artifact.blobs.trainIndices),
      heldIndices: intsOf(artifact.blobs.heldIndices),
    };
  },
};

const resultCodec: Codec<FoldOutcome> = {
  encode: ({ scores, fit }) => ({ meta: { fit }, blobs: { scores: bytesOf(scores) } }),
  decode: (artifact) => ({ fit: (artifact.meta as { fit: FitResult }).fit, scores: floatsOf(artifact.blobs.scores) }),
};

export const foldUnit: UnitDefinition<FoldInput, FoldOutcome> = {
  kind: 'crossValidate.fold',
  version: 1,
  usesTf: true,
  input: inputCodec,
  result: resultCodec,
  load: async () => (await import('./unit-runs.ts')).runFold,
};
