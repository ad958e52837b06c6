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
import { selectRows } from '../data/store/record-table.ts';
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

/**
 * Cuts one fold out of the pool (rows of the record table) and refits the pipeline's dataset
 * z-scores on the inner training part, each over the steps before it (one streaming pass each).
 * @example
 *   const fold = await foldData(data, pool, { train: innerTrainIdx, val: innerValIdx, heldOut: foldIdx });
 */
export async function foldData(
  data: Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing'>,
  pool: Subset,
  indices: { readonly train: readonly number[]; readonly val: readonly number[]; readonly heldOut: readonly number[] },
  signal?: AbortSignal,
): Promise<FoldData> {
  const held = new Set(indices.heldOut);
  if (indices.train.some((i) => held.has(i)) || indices.val.some((i) => held.has(i))) {
    throw new MedpipeError('INTERNAL', 'A held-out sample was about to be used for training or early stopping.', {
      fix: 'This is a bug in fold assignment; please report it.',
    });
  }
  const pick = (idx: readonly number[]): Subset => ({ samples: idx.map((i) => pool.samples[i]!), table: selectRows(pool.table, idx) });
  const train = pick(indices.train);
  const preprocessing: PreprocessStep[] = [];
  const normalization: FoldData['normalization'][number][] = [];
  for (const step of data.preprocessing) {
    if (!isFittedZscore(step)) {
      preprocessing.push(step);
      continue;
    }
    const { mean, std } = await streamMoments(train.table, inOrder(train.samples.length), {
      objectsDir: data.objectsDir,
      recordShape: data.recordShape,
      steps: [...preprocessing],
      perChannel: step.perChannel,
      ...(signal ? { signal } : {}),
    });
    preprocessing.push({ ...step, mean, std });
    normalization.push({ mean, std, perChannel: step.perChannel });
  }
  return { train, val: pick(indices.val), heldOut: pick(indices.heldOut), preprocessing, normalization };
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
