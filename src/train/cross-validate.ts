import { MedpipeError, throwIfAborted } from '../base/errors.ts';
import { assignFolds } from '../data/assign-bins.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { concatTables, selectRows } from '../data/store/record-table.ts';
import type { BinaryMetrics } from '../metrics/index.ts';
import { meanStd, type MeanStd } from '../metrics/mean-std.ts';
import type { CrossValidateConfig } from './cross-validate-config.ts';
import { createRng, deriveSeed } from '../base/rng.ts';
import type { Built } from './trained.ts';
import { toFitData, trainFresh, type TrainJob } from './train-fresh.ts';

/** The binaryMetrics values summarised over folds (test-style metrics at threshold 0.5). */
export const CV_METRIC_KEYS = [
  'auc',
  'averagePrecision',
  'accuracy',
  'balancedAccuracy',
  'precision',
  'recall',
  'specificity',
  'npv',
  'f1',
  'kappa',
  'specificityAtSensitivity',
] as const;
export type CvMetricKey = (typeof CV_METRIC_KEYS)[number];

const THRESHOLD = 0.5;
const SENSITIVITY = 0.8;

export interface FoldResult {
  /** 1-based. */
  readonly fold: number;
  /** Ids of the held-out samples, in pooled order. */
  readonly heldOut: readonly string[];
  /** Samples the fold's model was trained on (the other k−1 folds). */
  readonly trainCount: number;
  /** Held-out samples per class. */
  readonly counts: readonly number[];
  /** binaryMetrics of the held-out fold's scores at threshold 0.5. */
  readonly metrics: BinaryMetrics;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
  readonly history: readonly Record<string, number>[];
}

export interface CrossValidated {
  readonly k: number;
  readonly classes: readonly string[];
  readonly threshold: number;
  readonly sensitivityTarget: number;
  /** How many samples came from each split into the pool (test: never). */
  readonly pooledFrom: { readonly train: number; readonly val: number };
  readonly folds: readonly FoldResult[];
  readonly summary: Readonly<Record<CvMetricKey, MeanStd>>;
  /** binaryMetrics of every out-of-fold score together; its `auc` is the pooled out-of-fold AUC. */
  readonly pooled: BinaryMetrics;
  /** Every pooled sample's out-of-fold score. */
  readonly predictions: readonly { readonly id: string; readonly file: string; readonly label: number; readonly score: number; readonly fold: number }[];
  readonly backend: string;
}

/** Folds are index lists: a subset copies rows of the record table, never pixels. */
function concat(a: Subset, b: Subset): Subset {
  return { samples: [...a.samples, ...b.samples], table: concatTables(a.table, b.table) };
}

function pick(pool: Subset, indices: readonly number[]): Subset {
  return { samples: indices.map((i) => pool.samples[i]!), table: selectRows(pool.table, indices) };
}

const fmt = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');

/**
 * k-fold cross-validation of the built model on the pooled train + validation splits (test is never
 * read): seeded stratified, group-aware folds; each fold trains a fresh copy of the same initial
 * weights on the other k−1 folds and is scored at threshold 0.5.
 * @example
 *   const cv = await runCrossValidation(built, splits, { folds: 5 }, { seed: 42, emit }, 'native');
 */
export async function runCrossValidation(built: Built, data: SplitSet, config: CrossValidateConfig, job: TrainJob, backend: string): Promise<CrossValidated> {
  const { binaryMetrics } = await import('../metrics/index.ts');
  const { predictScores } = await import('./predict.ts');
  const k = config.folds ?? 5;
  const fitConfig = config.fit ?? {};
  // The test split is deliberately never read: only train and val are pooled.
  const pool = concat(data.train, data.val);
  const folds = assignFolds(
    pool.samples,
    k,
    { stratify: config.stratify ?? true, byGroup: config.byGroup ?? true },
    createRng(deriveSeed(job.seed, 'cv-folds')),
  );
  const empty = folds.findIndex((f) => f.length === 0);
  if (empty >= 0) {
    throw new MedpipeError(
      'NO_SAMPLES',
      `Fold ${empty + 1} of ${k} is empty: the ${pool.samples.length} train + validation samples (kept together by group) do not fill ${k} folds.`,
      {
        fix: 'Use fewer folds, or add data.',
      },
    );
  }
  const classCounts = data.classes.map((_, c) => pool.samples.filter((s) => s.label === c).length);
  classCounts.forEach((count, c) => {
    if (count < k)
      job.emit({
        type: 'log',
        level: 'warn',
        message: `class ${data.classes[c]} has ${count} sample(s) for ${k} folds: some folds lack it and their AUC is undefined`,
      });
  });
  const foldOf = new Int32Array(pool.samples.length);
  folds.forEach((members, f) => members.forEach((i) => (foldOf[i] = f)));
  const oof = new Float32Array(pool.samples.length);
  const results: FoldResult[] = [];
  for (let f = 0; f < k; f++) {
    throwIfAborted(job.signal);
    const heldIdx = folds[f]!;
    const trainIdx = pool.samples.map((_, i) => i).filter((i) => foldOf[i] !== f);
    const held = pick(pool, heldIdx);
    const train = pick(pool, trainIdx);
    const note = `fold ${f + 1}/${k}`;
    job.emit({ type: 'log', level: 'info', message: `${note}: training on ${trainIdx.length}, holding out ${heldIdx.length}` });
    const heldData = toFitData(data, held);
    const { model, result } = await trainFresh(built.model, toFitData(data, train), heldData, fitConfig, job, { augment: data.augment, note });
    let scores: Float32Array;
    try {
      scores = await predictScores(model, heldData, fitConfig.batchSize ?? 32);
    } finally {
      model.dispose();
    }
    heldIdx.forEach((i, j) => (oof[i] = scores[j]!));
    const labels = Array.from(heldData.y);
    const metrics = binaryMetrics(labels, scores, { threshold: THRESHOLD, sensitivity: SENSITIVITY });
    results.push({
      fold: f + 1,
      heldOut: held.samples.map((s) => s.id),
      trainCount: trainIdx.length,
      counts: data.classes.map((_, c) => held.samples.filter((s) => s.label === c).length),
      metrics,
      bestEpoch: result.bestEpoch,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      history: result.history,
    });
    job.emit({
      type: 'log',
      level: 'info',
      message: `${note}: auc ${fmt(metrics.auc)}, accuracy ${fmt(metrics.accuracy)}, recall ${fmt(metrics.recall)}, specificity ${fmt(metrics.specificity)} (best epoch ${result.bestEpoch})`,
    });
  }
  const summary = Object.fromEntries(CV_METRIC_KEYS.map((key) => [key, meanStd(results.map((r) => r.metrics[key]))])) as Record<CvMetricKey, MeanStd>;
  const pooled = binaryMetrics(
    pool.samples.map((s) => s.label),
    oof,
    { threshold: THRESHOLD, sensitivity: SENSITIVITY },
  );
  return {
    k,
    classes: data.classes,
    threshold: THRESHOLD,
    sensitivityTarget: SENSITIVITY,
    pooledFrom: { train: data.train.samples.length, val: data.val.samples.length },
    folds: results,
    summary,
    pooled,
    predictions: pool.samples.map((s, i) => ({ id: s.id, file: s.file, label: s.label, score: oof[i]!, fold: foldOf[i]! + 1 })),
    backend,
  };
}
