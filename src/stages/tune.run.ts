import { join } from 'node:path';
import type { SplitSet } from '../data/image-set.ts';
import { writeFileAtomic } from '../runtime/atomic.ts';
import { throwIfAborted } from '../runtime/errors.ts';
import type { StageImpl } from '../runtime/stage-impl.ts';
import type { Built } from './build.run.ts';
import type { FitConfig } from './fit.ts';
import { fitImpl, toFitData, trainFresh, type Trained } from './fit.run.ts';
import { decodeWithModel, encodeWithModel, modelToData, type ModelData } from './model-artifact.ts';
import type { TuneConfig, TuneGrid, TuneMonitor } from './tune.ts';

/** Grid keys in the order combinations are enumerated (the last one varies fastest). */
const GRID_KEYS = ['learningRate', 'batchSize', 'epochs', 'classWeight', 'loss'] as const;
type GridKey = (typeof GRID_KEYS)[number];
export const MAX_GRID_POINTS = 64;

/** The validation metrics a candidate is ranked by (binaryMetrics names, at threshold 0.5). */
const VAL_KEYS = [
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
export const TUNE_MONITORS: readonly TuneMonitor[] = ['val_loss', ...VAL_KEYS.map((k) => `val_${k}` as TuneMonitor)];

/** One grid combination: the values it sets (keys left out keep base's). */
export type GridParams = { -readonly [K in GridKey]?: NonNullable<TuneGrid[K]>[number] };

export interface TunePoint {
  /** 1-based position in the grid. */
  readonly point: number;
  readonly params: GridParams;
  /** `val_loss` and `val_<metric>` of the candidate's final weights on the validation split. */
  readonly val: Readonly<Record<string, number>>;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
}

export interface TuneResults {
  readonly monitor: TuneMonitor;
  readonly mode: 'min' | 'max';
  /** 1-based grid point of the winner. */
  readonly winner: number;
  readonly points: readonly TunePoint[];
  /** The winner's validation scores (by sample id), so its model can be checked against them. */
  readonly valPredictions: readonly { readonly id: string; readonly label: number; readonly score: number }[];
}

/** What tune passes on: exactly fit's output (the winner) plus the grid results. */
export interface Tuned extends Trained {
  readonly tune: TuneResults;
}

/** Every combination of the grid, in GRID_KEYS order. */
export function gridPoints(grid: TuneGrid): GridParams[] {
  let points: GridParams[] = [{}];
  for (const key of GRID_KEYS) {
    const values = grid[key] as readonly unknown[] | undefined;
    if (values === undefined) continue;
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v }) as GridParams));
  }
  return points;
}

/** base with one combination applied; classWeight null removes base's class weights. */
export function pointConfig(base: FitConfig, params: GridParams): FitConfig {
  const config: { -readonly [K in keyof FitConfig]: FitConfig[K] } = { ...base };
  if (params.learningRate !== undefined) config.optimizer = { ...base.optimizer, learningRate: params.learningRate };
  if (params.batchSize !== undefined) config.batchSize = params.batchSize;
  if (params.epochs !== undefined) config.epochs = params.epochs;
  if (params.classWeight === null) delete config.classWeight;
  else if (params.classWeight !== undefined) config.classWeight = params.classWeight;
  if (params.loss !== undefined) config.loss = params.loss;
  return config;
}

export function describeParams(params: GridParams): string {
  const parts = Object.entries(params).map(([k, v]) => `${k} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  return parts.length ? parts.join(', ') : 'base settings';
}

/** Plain binary cross-entropy (Keras' clipping), the same for every candidate whatever loss it trained with. */
export function binaryLogLoss(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const eps = 1e-7;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, scores[i]!));
    sum -= labels[i]! * Math.log(p) + (1 - labels[i]!) * Math.log(1 - p);
  }
  return labels.length ? sum / labels.length : NaN;
}

function gridProblems(grid: unknown): string[] {
  if (typeof grid !== 'object' || grid === null || Array.isArray(grid)) return ['grid must be an object such as { learningRate: [1e-3, 1e-4] }'];
  const problems: string[] = [];
  const g = grid as Record<string, unknown>;
  for (const key of Object.keys(g)) {
    if (!(GRID_KEYS as readonly string[]).includes(key))
      problems.push(`grid.${key} is not a tunable setting (use ${GRID_KEYS.join(', ')}; put other settings in base)`);
  }
  let size = 1;
  const sizes: string[] = [];
  for (const key of GRID_KEYS) {
    const values = g[key];
    if (values === undefined) continue;
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(`grid.${key} must be a non-empty array of values to try`);
      continue;
    }
    size *= values.length;
    sizes.push(`${values.length} ${key}`);
    values.forEach((v, i) => {
      const at = `grid.${key}[${i}]`;
      if (key === 'learningRate' && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) problems.push(`${at} must be a number > 0, got ${String(v)}`);
      if ((key === 'batchSize' || key === 'epochs') && !(Number.isInteger(v) && v > 0)) problems.push(`${at} must be a positive integer, got ${String(v)}`);
      if (key === 'classWeight' && v !== 'balanced' && v !== null) problems.push(`${at} must be 'balanced' or null, got ${JSON.stringify(v)}`);
      if (key === 'loss' && v !== 'binaryCrossentropy') {
        const focal = typeof v === 'object' && v !== null ? (v as { focal?: { gamma?: unknown; alpha?: unknown } }).focal : undefined;
        if (typeof focal !== 'object' || focal === null)
          problems.push(`${at} must be 'binaryCrossentropy' or { focal: { gamma?, alpha? } }, got ${JSON.stringify(v)}`);
        else {
          if (focal.gamma !== undefined && !(typeof focal.gamma === 'number' && focal.gamma >= 0))
            problems.push(`${at}.focal.gamma must be >= 0, got ${String(focal.gamma)}`);
          if (focal.alpha !== undefined && !(typeof focal.alpha === 'number' && focal.alpha >= 0 && focal.alpha <= 1))
            problems.push(`${at}.focal.alpha must be in [0, 1], got ${String(focal.alpha)}`);
        }
      }
    });
  }
  if (sizes.length === 0 && problems.length === 0)
    problems.push('grid has no values to try: give at least one of learningRate, batchSize, epochs, classWeight, loss (or use fit)');
  if (size > MAX_GRID_POINTS) {
    problems.push(
      `grid has ${size} combinations (${sizes.join(' × ')}), more than ${MAX_GRID_POINTS}: drop values, or tune in rounds (coarse first, then around the best)`,
    );
  }
  return problems;
}

const better = (a: number, b: number, mode: 'min' | 'max') => Number.isFinite(a) && (!Number.isFinite(b) || (mode === 'max' ? a > b : a < b));

export const tuneImpl: StageImpl<TuneConfig, Built, Tuned> = {
  kind: 'tune',
  version: 2,
  seeded: true,
  usesTf: true,
  async validate(config, ctx) {
    const problems: string[] = [];
    if (typeof config !== 'object' || config === null) return ['tune needs a config such as { grid: { learningRate: [1e-3, 1e-4] } }'];
    problems.push(...gridProblems(config.grid));
    if (config.monitor !== undefined && !TUNE_MONITORS.includes(config.monitor))
      problems.push(`monitor must be one of ${TUNE_MONITORS.join(', ')}; got ${JSON.stringify(config.monitor)}`);
    if (config.base !== undefined) problems.push(...((await fitImpl.validate?.(config.base, ctx)) ?? []).map((p) => `base.${p}`));
    return problems;
  },
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    const data = (await ctx.ancestor('splits')) as SplitSet;
    const { binaryMetrics } = await import('../metrics/index.ts');
    const { predictScores } = await import('../train/predict.ts');
    const monitor = config.monitor ?? 'val_auc';
    const mode = monitor === 'val_loss' ? 'min' : 'max';
    const base = config.base ?? {};
    const grid = gridPoints(config.grid);
    // Candidates learn on train and are ranked on val; the test split is never read here.
    const train = toFitData(data.train, data.shape);
    const val = toFitData(data.val, data.shape);
    const points: TunePoint[] = [];
    let best: { index: number; score: number; model: ModelData; result: Awaited<ReturnType<typeof trainFresh>>['result']; scores: Float32Array } | undefined;
    for (let i = 0; i < grid.length; i++) {
      throwIfAborted(ctx.signal, ctx.stage);
      const params = grid[i]!;
      const note = `grid point ${i + 1}/${grid.length}: ${describeParams(params)}`;
      const fitConfig = pointConfig(base, params);
      const { model, result } = await trainFresh(built.model, train, val, fitConfig, ctx, { augment: data.augment, note });
      let scores: Float32Array;
      let modelData: ModelData | undefined;
      try {
        scores = await predictScores(model, val, fitConfig.batchSize ?? 32);
        const metrics = binaryMetrics(val.y, scores, { threshold: 0.5 });
        const values: Record<string, number> = { val_loss: binaryLogLoss(val.y, scores) };
        for (const key of VAL_KEYS) values[`val_${key}`] = metrics[key];
        points.push({ point: i + 1, params, val: values, bestEpoch: result.bestEpoch, epochsRun: result.epochsRun, stoppedEarly: result.stoppedEarly });
        const score = values[monitor]!;
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `${note} → ${monitor} ${Number.isFinite(score) ? score.toFixed(4) : 'n/a'} (best epoch ${result.bestEpoch})`,
        });
        if (best === undefined || better(score, best.score, mode)) {
          modelData = await modelToData(model);
          best = { index: i, score, model: modelData, result, scores };
        }
      } finally {
        model.dispose();
      }
    }
    const winner = best!;
    if (!Number.isFinite(winner.score)) {
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `${monitor} is undefined for every grid point (one class only in the validation split?); kept the first`,
      });
    }
    ctx.emit({ type: 'log', level: 'info', message: `winner: grid point ${winner.index + 1}/${grid.length} (${describeParams(grid[winner.index]!)})` });
    return {
      model: winner.model,
      history: winner.result.history,
      bestEpoch: winner.result.bestEpoch,
      stoppedEarly: winner.result.stoppedEarly,
      restoredBest: winner.result.restoredBest,
      epochsRun: winner.result.epochsRun,
      backend,
      dataHash: built.dataHash,
      info: { classes: data.classes, inputShape: data.shape, preprocessing: data.preprocessing, threshold: 0.5, thresholdSource: 'default' },
      tune: {
        monitor,
        mode,
        winner: winner.index + 1,
        points,
        valPredictions: data.val.samples.map((s, j) => ({ id: s.id, label: s.label, score: winner.scores[j]! })),
      },
    };
  },
  encode: encodeWithModel,
  decode: (artifact) => decodeWithModel<Tuned>(artifact),
  summary: (t) => {
    const w = t.tune.points[t.tune.winner - 1];
    const score = w?.val[t.tune.monitor];
    return `best of ${t.tune.points.length}: ${w ? describeParams(w.params) : '?'} (${t.tune.monitor} ${typeof score === 'number' ? score.toFixed(4) : 'n/a'}); ${fitImpl.summary!(t)}`;
  },
  async export(t, outDir) {
    const files = await fitImpl.export!(t, outDir);
    const json = join(outDir, 'tune-results.json');
    const csv = join(outDir, 'tune-results.csv');
    const { valPredictions: _scores, ...results } = t.tune;
    await writeFileAtomic(json, JSON.stringify({ split: 'validation', threshold: 0.5, ...results }, null, 2) + '\n');
    const metricKeys = TUNE_MONITORS as readonly string[];
    const cell = (v: unknown) =>
      v === undefined || v === null ? '' : typeof v === 'object' ? csvField(JSON.stringify(v)) : typeof v === 'number' && !Number.isFinite(v) ? '' : String(v);
    // Only the settings the grid varies get a column; the others are base's for every row.
    const keys = GRID_KEYS.filter((k) => t.tune.points.some((p) => k in p.params));
    const header = ['point', 'winner', ...keys, 'best_epoch', 'epochs_run', 'stopped_early', ...metricKeys];
    const rows = t.tune.points.map((p) =>
      [
        p.point,
        p.point === t.tune.winner ? 1 : 0,
        ...keys.map((k) => (p.params[k] === null ? 'none' : cell(p.params[k]))),
        p.bestEpoch,
        p.epochsRun,
        p.stoppedEarly ? 1 : 0,
        ...metricKeys.map((k) => cell(p.val[k])),
      ].join(','),
    );
    await writeFileAtomic(csv, [header.join(','), ...rows].join('\n') + '\n');
    return [...files, json, csv];
  },
};

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
