import { MedpipeError } from '../base/errors.ts';
import { inlineUnits } from '../base/units.ts';
import { assignFolds } from '../data/assign-bins.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import type { BinaryMetrics } from '../metrics/index.ts';
import { meanStd, type MeanStd } from '../metrics/mean-std.ts';
import type { CrossValidateConfig } from './cross-validate-config.ts';
import { createRng, deriveSeed } from '../base/rng.ts';
import type { Built } from './trained.ts';
import { toFitData, type TrainJob } from './train-fresh.ts';
import { foldUnit } from './cv-fold.ts';

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

function concat(a: Subset, b: Subset): Subset {
  const pixels = new Float32Array(a.pixels.length + b.pixels.length);
  pixels.set(a.pixels, 0);
  pixels.set(b.pixels, a.pixels.length);
  return { samples: [...a.samples, ...b.samples], pixels };
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
  const poolData = toFitData(pool, data.shape);
  // Each fold is a unit of work (cv-fold.ts): cached on its own, run wherever job.units sends it.
  const items = folds.map((held, f) => {
    const trainIndices = Int32Array.from(pool.samples.map((_, i) => i).filter((i) => foldOf[i] !== f));
    job.emit({ type: 'log', level: 'info', message: `fold ${f + 1}/${k}: training on ${trainIndices.length}, holding out ${held.length}` });
    return {
      label: `fold ${f + 1}/${k}`,
      input: { model: built.model, pool: poolData, trainIndices, heldIndices: Int32Array.from(held), config: fitConfig, augment: data.augment, seed: job.seed },
    };
  });
  const outcomes = await (job.units ?? inlineUnits).run(foldUnit, items, job);
  const oof = new Float32Array(pool.samples.length);
  const results: FoldResult[] = outcomes.map(({ fit: result, scores }, f) => {
    const heldIdx = folds[f]!;
    heldIdx.forEach((i, j) => (oof[i] = scores[j]!));
    const held = heldIdx.map((i) => pool.samples[i]!);
    const metrics = binaryMetrics(
      held.map((s) => s.label),
      scores,
      { threshold: THRESHOLD, sensitivity: SENSITIVITY },
    );
    job.emit({
      type: 'log',
      level: 'info',
      message: `fold ${f + 1}/${k}: auc ${fmt(metrics.auc)}, accuracy ${fmt(metrics.accuracy)}, recall ${fmt(metrics.recall)}, specificity ${fmt(metrics.specificity)} (best epoch ${result.bestEpoch})`,
    });
    return {
      fold: f + 1,
      heldOut: held.map((s) => s.id),
      trainCount: pool.samples.length - heldIdx.length,
      counts: data.classes.map((_, c) => held.filter((s) => s.label === c).length),
      metrics,
      bestEpoch: result.bestEpoch,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      history: result.history,
    };
  });
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
