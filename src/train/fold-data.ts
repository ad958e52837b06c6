/**
 * What one cross-validation fold trains and scores on, built so that nothing about the held-out
 * fold reaches training: an inner validation split (for early stopping) carved from the fold's
 * training part, and dataset z-score statistics refitted on the inner training part only. A fold
 * is row lists of the record table, never a copy of pixels.
 */
import { MedpipeError } from '../base/errors.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { inOrder } from '../data/loader/image-source.ts';
import { streamMoments } from '../data/loader/moments.ts';
import { isFittedZscore, type PreprocessStep } from '../data/preprocessing.ts';
import { rowCount, selectRows, type RecordTable } from '../data/store/record-table.ts';
import type { SampleMeta } from '../data/types.ts';

export interface FoldData {
  readonly train: Subset;
  /** Inner validation: early stopping watches it; never the held-out fold. */
  readonly val: Subset;
  readonly heldOut: Subset;
  /** The pipeline's preprocessing with each dataset z-score refitted on `train`. */
  readonly preprocessing: readonly PreprocessStep[];
  /** The z-score statistics fitted on `train` (empty when the pipeline has none). */
  readonly normalization: readonly { readonly mean: number[]; readonly std: number[]; readonly perChannel: boolean }[];
}

/** One fold as rows of the record table, with the preprocessing refitted on its training rows. */
export interface FoldTables {
  readonly train: RecordTable;
  readonly val: RecordTable;
  readonly heldOut: RecordTable;
  readonly preprocessing: readonly PreprocessStep[];
  readonly normalization: FoldData['normalization'];
}

/**
 * Cuts one fold out of the pool's record table and refits the pipeline's dataset z-scores on the
 * inner training rows, each over the steps before it (one streaming pass each). A fold run as a
 * unit of work (cv-fold.ts) cuts itself here, wherever it runs.
 * @example
 *   const fold = await foldTables(data, pool.table, { train: innerTrainIdx, val: innerValIdx, heldOut: foldIdx });
 */
export async function foldTables(
  data: Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing'>,
  pool: RecordTable,
  indices: { readonly train: ArrayLike<number>; readonly val: ArrayLike<number>; readonly heldOut: ArrayLike<number> },
  signal?: AbortSignal,
): Promise<FoldTables> {
  const held = new Set(Array.from(indices.heldOut));
  if (Array.from(indices.train).some((i) => held.has(i)) || Array.from(indices.val).some((i) => held.has(i))) {
    throw new MedpipeError('INTERNAL', 'A held-out sample was about to be used for training or early stopping.', {
      fix: 'This is a bug in fold assignment; please report it.',
    });
  }
  const train = selectRows(pool, indices.train);
  const preprocessing: PreprocessStep[] = [];
  const normalization: FoldData['normalization'][number][] = [];
  for (const step of data.preprocessing) {
    if (!isFittedZscore(step)) {
      preprocessing.push(step);
      continue;
    }
    const { mean, std } = await streamMoments(train, inOrder(rowCount(train)), {
      objectsDir: data.objectsDir,
      recordShape: data.recordShape,
      steps: [...preprocessing],
      perChannel: step.perChannel,
      ...(signal ? { signal } : {}),
    });
    preprocessing.push({ ...step, mean, std });
    normalization.push({ mean, std, perChannel: step.perChannel });
  }
  return { train, val: selectRows(pool, indices.val), heldOut: selectRows(pool, indices.heldOut), preprocessing, normalization };
}

/**
 * Cuts one fold out of the pool (rows of the record table) and refits the pipeline's dataset
 * z-scores on the inner training part (foldTables), with the samples of each part.
 * @example
 *   const fold = await foldData(data, pool, { train: innerTrainIdx, val: innerValIdx, heldOut: foldIdx });
 */
export async function foldData(
  data: Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing'>,
  pool: Subset,
  indices: { readonly train: readonly number[]; readonly val: readonly number[]; readonly heldOut: readonly number[] },
  signal?: AbortSignal,
): Promise<FoldData> {
  const tables = await foldTables(data, pool.table, indices, signal);
  const samples = (idx: readonly number[]) => idx.map((i) => pool.samples[i]!);
  return {
    train: { samples: samples(indices.train), table: tables.train },
    val: { samples: samples(indices.val), table: tables.val },
    heldOut: { samples: samples(indices.heldOut), table: tables.heldOut },
    preprocessing: tables.preprocessing,
    normalization: tables.normalization,
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
