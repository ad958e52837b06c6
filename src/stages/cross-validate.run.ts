import { join } from 'node:path';
import type { SplitSet, Subset } from '../data/image-set.ts';
import type { BinaryMetrics } from '../metrics/index.ts';
import { writeFileAtomic } from '../runtime/atomic.ts';
import { MedpipeError, throwIfAborted } from '../runtime/errors.ts';
import type { StageImpl } from '../runtime/stage-impl.ts';
import { createRng, deriveSeed } from '../train/rng.ts';
import type { Built } from './build.run.ts';
import type { CrossValidateConfig } from './cross-validate.ts';
import { fitImpl, toFitData, trainFresh } from './fit.run.ts';
import { assignFolds } from './split.run.ts';
import { foldData, foldsByAttribute, withoutFittedZscores } from '../train/fold-data.ts';

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
  /** Samples the fold's model was trained on (the other k−1 folds minus the inner validation split). */
  readonly trainCount: number;
  /** Samples of the inner validation split early stopping watched (from the other folds). */
  readonly innerValCount: number;
  /** Dataset z-score statistics refitted on the fold's inner training part (empty without z-score). */
  readonly normalization: readonly { readonly mean: number[]; readonly std: number[]; readonly perChannel: boolean }[];
  /** The `foldBy` value of this fold. */
  readonly value?: string;
  /** Held-out samples per class. */
  readonly counts: readonly number[];
  /** binaryMetrics of the held-out fold's scores at threshold 0.5. */
  readonly metrics: BinaryMetrics;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
  readonly history: readonly Record<string, number>[];
}

/** Mean and sample standard deviation (n−1) over the folds where the value is defined (n of them). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

export interface CrossValidated {
  readonly k: number;
  readonly innerValidation: number;
  readonly foldBy?: string;
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

/** Mean and sample std (n−1) of the finite values; NaN std for fewer than two. */
export function meanStd(values: readonly (number | null)[]): MeanStd {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

function concat(a: Subset, b: Subset): Subset {
  const pixels = new Float32Array(a.pixels.length + b.pixels.length);
  pixels.set(a.pixels, 0);
  pixels.set(b.pixels, a.pixels.length);
  return { samples: [...a.samples, ...b.samples], pixels };
}

const fmt = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');

export const crossValidateImpl: StageImpl<CrossValidateConfig, Built, CrossValidated> = {
  kind: 'crossValidate',
  version: 2,
  seeded: true,
  usesTf: true,
  async validate(config, ctx) {
    const problems: string[] = [];
    const k = config.folds;
    if (k !== undefined && !(Number.isInteger(k) && k >= 2)) problems.push(`folds must be a whole number >= 2, got ${k}`);
    const inner = config.innerValidation;
    if (inner !== undefined && !(inner >= 0.05 && inner <= 0.5))
      problems.push(`innerValidation must be a share of the fold's training part in [0.05, 0.5], got ${inner}`);
    if (config.foldBy !== undefined && (typeof config.foldBy !== 'string' || config.foldBy === ''))
      problems.push(`foldBy must be the name of a metadata attribute, got ${JSON.stringify(config.foldBy)}`);
    for (const name of ['stratify', 'byGroup'] as const) {
      if (config[name] !== undefined && typeof config[name] !== 'boolean') problems.push(`${name} must be true or false, got ${String(config[name])}`);
    }
    if (config.fit !== undefined) problems.push(...((await fitImpl.validate?.(config.fit, ctx)) ?? []).map((p) => `fit.${p}`));
    return problems;
  },
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    const data = (await ctx.ancestor('splits')) as SplitSet;
    const { binaryMetrics } = await import('../metrics/index.ts');
    const { predictScores } = await import('../train/predict.ts');
    const fitConfig = config.fit ?? {};
    const stratified = { stratify: config.stratify ?? true, byGroup: config.byGroup ?? true };
    const innerShare = config.innerValidation ?? 0.2;
    // The test split is deliberately never read: only train and val are pooled.
    const pool = concat(data.train, data.val);
    const byAttribute = config.foldBy === undefined ? undefined : foldsByAttribute(pool.samples, config.foldBy);
    const folds = byAttribute?.folds ?? assignFolds(pool.samples, config.folds ?? 5, stratified, createRng(deriveSeed(ctx.seed, 'cv-folds')));
    const k = folds.length;
    // Split fitted its z-scores on the whole training split, held-out folds included: undo them, each fold refits its own.
    const raw = { samples: pool.samples, pixels: withoutFittedZscores(pool.pixels, data.shape[2], data.preprocessing) };
    const empty = folds.findIndex((f) => f.length === 0);
    if (empty >= 0) {
      throw new MedpipeError(
        'NO_SAMPLES',
        `Fold ${empty + 1} of ${k} is empty: the ${pool.samples.length} train + validation samples (kept together by group) do not fill ${k} folds.`,
        {
          stage: ctx.stage,
          fix: 'Use fewer folds, or add data.',
        },
      );
    }
    const classCounts = data.classes.map((_, c) => pool.samples.filter((s) => s.label === c).length);
    classCounts.forEach((count, c) => {
      if (count < k)
        ctx.emit({
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
      throwIfAborted(ctx.signal, ctx.stage);
      const heldIdx = folds[f]!;
      const rest = pool.samples.map((_, i) => i).filter((i) => foldOf[i] !== f);
      // Early stopping watches an inner validation split of the other folds, never the held-out one.
      const inner = assignFolds(
        rest.map((i) => pool.samples[i]!),
        Math.max(2, Math.round(1 / innerShare)),
        stratified,
        createRng(deriveSeed(ctx.seed, 'cv-inner', f)),
      );
      const innerVal = new Set(inner[0]!.map((j) => rest[j]!));
      const fold = foldData(
        raw,
        data.shape,
        { train: rest.filter((i) => !innerVal.has(i)), val: [...innerVal].sort((a, b) => a - b), heldOut: heldIdx },
        data.preprocessing,
      );
      const held = fold.heldOut;
      const note = `fold ${f + 1}/${k}`;
      ctx.emit({
        type: 'log',
        level: 'info',
        message: `${note}${byAttribute ? ` (${config.foldBy} = ${byAttribute.values[f]})` : ''}: training on ${fold.train.samples.length}, early stopping on ${fold.val.samples.length}, holding out ${heldIdx.length}`,
      });
      const heldData = toFitData(held, data.shape);
      const { model, result } = await trainFresh(built.model, toFitData(fold.train, data.shape), toFitData(fold.val, data.shape), fitConfig, ctx, {
        augment: data.augment,
        note,
      });
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
        trainCount: fold.train.samples.length,
        innerValCount: fold.val.samples.length,
        normalization: fold.normalization,
        ...(byAttribute ? { value: byAttribute.values[f] } : {}),
        counts: data.classes.map((_, c) => held.samples.filter((s) => s.label === c).length),
        metrics,
        bestEpoch: result.bestEpoch,
        epochsRun: result.epochsRun,
        stoppedEarly: result.stoppedEarly,
        history: result.history,
      });
      ctx.emit({
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
      innerValidation: innerShare,
      ...(config.foldBy !== undefined ? { foldBy: config.foldBy } : {}),
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
  },
  encode: (value) => ({ meta: value, blobs: {} }),
  decode: (artifact) => artifact.meta as CrossValidated,
  summary: (cv) =>
    `${cv.k}-fold CV: auc ${fmt(cv.summary.auc.mean)} ± ${fmt(cv.summary.auc.std)}, accuracy ${fmt(cv.summary.accuracy.mean)} ± ${fmt(cv.summary.accuracy.std)}; pooled out-of-fold auc ${fmt(cv.pooled.auc)}`,
  async export(cv, outDir) {
    const metricsFile = join(outDir, 'cv-metrics.json');
    const foldsFile = join(outDir, 'cv-folds.csv');
    const predictionsFile = join(outDir, 'cv-predictions.csv');
    const column = (stat: 'mean' | 'std') => Object.fromEntries(CV_METRIC_KEYS.map((key) => [key, cv.summary[key][stat]]));
    const report = {
      folds: cv.k,
      ...(cv.foldBy !== undefined ? { foldBy: cv.foldBy } : {}),
      innerValidation: cv.innerValidation,
      positiveClass: cv.classes[1] ?? '1',
      threshold: cv.threshold,
      sensitivityTarget: cv.sensitivityTarget,
      pooledFrom: { ...cv.pooledFrom, test: 0 },
      mean: column('mean'),
      std: column('std'),
      definedIn: Object.fromEntries(CV_METRIC_KEYS.map((key) => [key, cv.summary[key].n])),
      pooledOutOfFoldAuc: cv.pooled.auc,
      pooled: cv.pooled,
      perFold: cv.folds.map((f) => ({
        fold: f.fold,
        ...(f.value !== undefined ? { value: f.value } : {}),
        heldOut: f.heldOut.length,
        trainCount: f.trainCount,
        innerValCount: f.innerValCount,
        normalization: f.normalization,
        counts: f.counts,
        bestEpoch: f.bestEpoch,
        epochsRun: f.epochsRun,
        stoppedEarly: f.stoppedEarly,
        ...f.metrics,
      })),
      definitions: {
        mean: 'mean over the folds where the metric is defined (definedIn of them)',
        std: 'sample standard deviation (n−1) over those folds',
        pooledOutOfFoldAuc: 'ROC AUC of every out-of-fold score together',
        metrics: 'binaryMetrics of a fold’s held-out scores, predicted positive when score >= threshold',
        training:
          'each fold trains on the other folds minus an inner validation split (innerValidation of them, stratified, group-aware) that early stopping watches; dataset z-score statistics are refitted on that inner training part; the held-out fold is only scored',
      },
    };
    await writeFileAtomic(metricsFile, JSON.stringify(report, null, 2) + '\n');
    const cell = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : '');
    const header = ['fold', 'held_out', 'train', ...cv.classes.map((c) => `n_${csvField(c)}`), 'best_epoch', 'epochs_run', ...CV_METRIC_KEYS];
    const rows = cv.folds.map((f) =>
      [f.fold, f.heldOut.length, f.trainCount, ...f.counts, f.bestEpoch, f.epochsRun, ...CV_METRIC_KEYS.map((key) => cell(f.metrics[key]))].join(','),
    );
    const blanks = Array.from({ length: 4 + cv.classes.length }, () => '');
    for (const stat of ['mean', 'std'] as const) rows.push([stat, ...blanks, ...CV_METRIC_KEYS.map((key) => cell(cv.summary[key][stat]))].join(','));
    await writeFileAtomic(foldsFile, [header.join(','), ...rows].join('\n') + '\n');
    const predictionRows = cv.predictions.map((p) => [csvField(p.id), csvField(p.file), p.label, p.score, p.fold].join(','));
    await writeFileAtomic(predictionsFile, ['id,file,label,score,fold', ...predictionRows].join('\n') + '\n');
    return [metricsFile, foldsFile, predictionsFile];
  },
};

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
