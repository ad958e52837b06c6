import { MedpipeError } from '../base/errors.ts';
import { inlineUnits } from '../base/units.ts';
import { assignFolds } from '../data/assign-bins.ts';
import type { SplitSet, Subset } from '../data/image-set.ts';
import { taskField, taskOf, type ClassificationTask } from '../data/task.ts';
import { concatTables } from '../data/store/record-table.ts';
import { meanStd, type MeanStd } from '../metrics/mean-std.ts';
import { BINARY_SCORE_KEYS, scoreKeys, taskScores, valuesOf, type TaskMetrics } from './task-scores.ts';
import type { CrossValidateConfig } from './cross-validate-config.ts';
import { createRng, deriveSeed } from '../base/rng.ts';
import { foldUnit } from './cv-fold.ts';
import { foldsByAttribute } from './fold-data.ts';
import type { Built } from './trained.ts';
import { toFitData, type TrainJob } from './train-fresh.ts';
import { labelsAt } from './unit-codec.ts';

/** The binaryMetrics values summarised over folds on a binary task (test-style metrics at threshold 0.5); other tasks: scoreKeys(task). */
export const CV_METRIC_KEYS = BINARY_SCORE_KEYS;
export type CvMetricKey = (typeof CV_METRIC_KEYS)[number];

const THRESHOLD = 0.5;
const SENSITIVITY = 0.8;

export interface FoldResult<M extends TaskMetrics = TaskMetrics> {
  /** 1-based. */
  readonly fold: number;
  /** Ids of the held-out samples, in pooled order. */
  readonly heldOut: readonly string[];
  /** Samples the fold's model was trained on (the other k−1 folds minus the inner validation split). */
  readonly trainCount: number;
  /** Samples of the inner validation split early stopping watched (from the other folds). */
  readonly innerValCount: number;
  /** Dataset z-score statistics refitted on the fold's inner training part (empty without z-score). */
  readonly normalization: readonly { readonly mean: number[]; readonly std: number[]; readonly perChannel: boolean }[];
  /** The `foldBy` value of this fold. */
  readonly value?: string;
  /** Held-out samples per class (multi-label: per finding). */
  readonly counts: readonly number[];
  /** The task's metrics of the held-out fold's scores (binaryMetrics at threshold 0.5 on a binary task). */
  readonly metrics: M;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
  readonly history: readonly Record<string, number>[];
}

/** crossValidate's result; `M` narrows the metrics for one task (BinaryMetrics on a binary task). */
export interface CrossValidated<M extends TaskMetrics = TaskMetrics> {
  readonly k: number;
  readonly innerValidation: number;
  readonly foldBy?: string;
  readonly classes: readonly string[];
  /** Absent for binary tasks. */
  readonly task?: Exclude<ClassificationTask, 'binary'>;
  readonly threshold: number;
  readonly sensitivityTarget: number;
  /** How many samples came from each split into the pool (test: never). */
  readonly pooledFrom: { readonly train: number; readonly val: number };
  readonly folds: readonly FoldResult<M>[];
  /** Mean ± std over folds of each of the task's summary numbers (CV_METRIC_KEYS on a binary task). */
  readonly summary: Readonly<Record<string, MeanStd>>;
  /** The task's metrics of every out-of-fold score together; its `auc` is the pooled out-of-fold AUC. */
  readonly pooled: M;
  /** Every pooled sample's out-of-fold score (K classes or findings: `scores`, K per sample, and `labels` for findings). */
  readonly predictions: readonly {
    readonly id: string;
    readonly file: string;
    readonly label: number;
    readonly score: number;
    readonly scores?: readonly number[];
    readonly labels?: readonly number[];
    readonly fold: number;
  }[];
  readonly backend: string;
}

/** Folds are index lists: a subset copies rows of the record table, never pixels. */
function concat(a: Subset, b: Subset): Subset {
  return { samples: [...a.samples, ...b.samples], table: concatTables(a.table, b.table) };
}

const fmt = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');

/**
 * k-fold cross-validation of the built model on the pooled train + validation splits (test is never
 * read): seeded stratified, group-aware folds (or the values of `foldBy`); each fold trains a fresh
 * copy of the same initial weights on the other k−1 folds, early-stopping on an inner validation split
 * carved from them, with dataset z-score statistics refitted on the inner training part; the held-out
 * fold is only ever scored (at threshold 0.5; K classes: the most probable class).
 * @example
 *   const cv = await runCrossValidation(built, splits, { folds: 5 }, { seed: 42, emit }, 'native');
 */
export async function runCrossValidation(built: Built, data: SplitSet, config: CrossValidateConfig, job: TrainJob, backend: string): Promise<CrossValidated> {
  const { unitsOf, labelWidth } = await import('./predict.ts');
  const task = taskOf(data);
  const fitConfig = config.fit ?? {};
  const stratified = { stratify: config.stratify ?? true, byGroup: config.byGroup ?? true };
  const innerShare = config.innerValidation ?? 0.2;
  // The test split is deliberately never read: only train and val are pooled.
  const pool = concat(data.train, data.val);
  const byAttribute = config.foldBy === undefined ? undefined : foldsByAttribute(pool.samples, config.foldBy);
  const folds = byAttribute?.folds ?? assignFolds(pool.samples, config.folds ?? 5, stratified, createRng(deriveSeed(job.seed, 'cv-folds')));
  const k = folds.length;
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
  const has = (s: Subset['samples'][number], c: number) => (task === 'multilabel' ? s.labels?.[c] === 1 : s.label === c);
  const classCounts = data.classes.map((_, c) => pool.samples.filter((s) => has(s, c)).length);
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
  const poolData = toFitData(data, pool);
  const units = unitsOf(poolData);
  const width = labelWidth(poolData);
  const oof = new Float32Array(pool.samples.length * units);
  // Each fold is a unit of work (cv-fold.ts): cached on its own, run wherever job.units sends it. The
  // pool's rows travel once; a fold is three index lists, and cuts and refits itself (fold-data.ts).
  const poolRows = { table: pool.table, y: poolData.y };
  const items = folds.map((heldIdx, f) => {
    const rest = pool.samples.map((_, i) => i).filter((i) => foldOf[i] !== f);
    // Early stopping watches an inner validation split of the other folds, never the held-out one.
    const inner = assignFolds(
      rest.map((i) => pool.samples[i]!),
      Math.max(2, Math.round(1 / innerShare)),
      stratified,
      createRng(deriveSeed(job.seed, 'cv-inner', f)),
    );
    const innerVal = new Set(inner[0]!.map((j) => rest[j]!));
    const trainIndices = Int32Array.from(rest.filter((i) => !innerVal.has(i)));
    const valIndices = Int32Array.from([...innerVal].sort((a, b) => a - b));
    const label = `fold ${f + 1}/${k}`;
    job.emit({
      type: 'log',
      level: 'info',
      message: `${label}${byAttribute ? ` (${config.foldBy} = ${byAttribute.values[f]})` : ''}: training on ${trainIndices.length}, early stopping on ${valIndices.length}, holding out ${heldIdx.length}`,
    });
    return {
      label,
      // Split fitted its z-scores on the whole training split, held-out folds included: each fold refits its own.
      input: {
        model: built.model,
        data,
        pool: poolRows,
        trainIndices,
        valIndices,
        heldIndices: Int32Array.from(heldIdx),
        config: fitConfig,
        augment: data.augment,
        seed: job.seed,
      },
    };
  });
  const outcomes = await (job.units ?? inlineUnits).run(foldUnit, items, job);
  const results: FoldResult[] = [];
  for (const [f, { fit: result, scores, normalization }] of outcomes.entries()) {
    const heldIdx = folds[f]!;
    const { trainIndices, valIndices, heldIndices } = items[f]!.input;
    const held = heldIdx.map((i) => pool.samples[i]!);
    heldIdx.forEach((i, j) => oof.set(scores.subarray(j * units, (j + 1) * units), i * units));
    const { metrics, values } = await taskScores(task, labelsAt(poolData.y, heldIndices, width), scores, data.classes);
    results.push({
      fold: f + 1,
      heldOut: held.map((s) => s.id),
      trainCount: trainIndices.length,
      innerValCount: valIndices.length,
      normalization,
      ...(byAttribute ? { value: byAttribute.values[f] } : {}),
      counts: data.classes.map((_, c) => held.filter((s) => has(s, c)).length),
      metrics,
      bestEpoch: result.bestEpoch,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      history: result.history,
    });
    const shown = task === 'binary' ? ['auc', 'accuracy', 'recall', 'specificity'] : scoreKeys(task).slice(0, 4);
    job.emit({
      type: 'log',
      level: 'info',
      message: `${items[f]!.label}: ${shown.map((key) => `${key} ${fmt(values[key])}`).join(', ')} (best epoch ${result.bestEpoch})`,
    });
  }
  const summary = Object.fromEntries(scoreKeys(task).map((key) => [key, meanStd(results.map((r) => valuesOf(r.metrics)[key] ?? NaN))]));
  const pooled = (await taskScores(task, poolData.y, oof, data.classes)).metrics;
  return {
    k,
    innerValidation: innerShare,
    ...(config.foldBy !== undefined ? { foldBy: config.foldBy } : {}),
    classes: data.classes,
    ...taskField(task),
    threshold: THRESHOLD,
    sensitivityTarget: SENSITIVITY,
    pooledFrom: { train: data.train.samples.length, val: data.val.samples.length },
    folds: results,
    summary,
    pooled,
    predictions: pool.samples.map((s, i) => {
      if (units === 1) return { id: s.id, file: s.file, label: s.label, score: oof[i]!, fold: foldOf[i]! + 1 };
      const scores = Array.from(oof.subarray(i * units, (i + 1) * units));
      return {
        id: s.id,
        file: s.file,
        label: s.label,
        score: Math.max(...scores),
        scores,
        ...(width > 1 ? { labels: s.labels ?? [] } : {}),
        fold: foldOf[i]! + 1,
      };
    }),
    backend,
  };
}
