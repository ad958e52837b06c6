/**
 * One grid point of `tune` as a unit of work (src/base/units.ts): train a fresh copy of the built
 * model with the point's fit config, score the validation split with the final weights. Its input
 * holds everything the result depends on (initial weights, data, config, augmentation, seed), so
 * the unit's key is its cache key and its job id, and a worker needs nothing else.
 */
import type { Codec } from '../base/artifact.ts';
import type { UnitDefinition } from '../base/units.ts';
import type { AugmentPolicy } from '../data/augment-policy.ts';
import type { FitConfig } from './fit-config.ts';
import type { FitResult } from './fit.ts';
import { decodeWithModel, encodeWithModel, type ModelData } from './model-data.ts';
import { bytesOf, floatsOf, rowsBlobs, rowsFrom, shardsOf, storeDataOf, storeMeta, type Rows, type StoreData } from './unit-codec.ts';

export interface TrialInput {
  /** The initial weights every point starts from. */
  readonly model: ModelData;
  /** Where the images are (the cache's shards) and the preprocessing the loader applies. */
  readonly data: StoreData;
  readonly train: Rows;
  readonly val: Rows;
  readonly config: FitConfig;
  readonly augment?: AugmentPolicy;
  readonly seed: number;
}

export interface TrialResult {
  /** The trained model (best weights restored when early stopping says so). */
  readonly model: ModelData;
  readonly fit: FitResult;
  /** Validation scores of the final weights, in the validation split's order. */
  readonly scores: Float32Array;
}

const inputCodec: Codec<TrialInput> = {
  encode: ({ model, data, train, val, ...rest }) => {
    const withModel = encodeWithModel({ model, ...rest, data: storeMeta(data) });
    return {
      meta: withModel.meta,
      blobs: { ...withModel.blobs, ...rowsBlobs('train', train), ...rowsBlobs('val', val) },
      refs: shardsOf(train.table, val.table),
    };
  },
  decode: (artifact) => {
    const { model, data, ...rest } = decodeWithModel<
      { model: ModelData; data: Omit<StoreData, 'objectsDir'> } & Omit<TrialInput, 'model' | 'data' | 'train' | 'val'>
    >(artifact);
    return { ...rest, model, data: storeDataOf(data, artifact), train: rowsFrom('train', artifact.blobs), val: rowsFrom('val', artifact.blobs) };
  },
};

const resultCodec: Codec<TrialResult> = {
  encode: ({ scores, ...rest }) => {
    const withModel = encodeWithModel(rest);
    return { meta: withModel.meta, blobs: { ...withModel.blobs, scores: bytesOf(scores) } };
  },
  decode: (artifact) => ({ ...decodeWithModel<Omit<TrialResult, 'scores'>>(artifact), scores: floatsOf(artifact.blobs.scores) }),
};

export const trialUnit: UnitDefinition<TrialInput, TrialResult> = {
  kind: 'tune.trial',
  // 2: the data travels as rows of the record table and the shards they name (was: pixels).
  version: 2,
  usesTf: true,
  input: inputCodec,
  result: resultCodec,
  load: async () => (await import('./unit-runs.ts')).runTrial,
};
