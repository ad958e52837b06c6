import { inlineUnits } from '../base/units.ts';
import type { SplitSet } from '../data/image-set.ts';
import { taskOf } from '../data/task.ts';
import type { FitConfig } from './fit-config.ts';
import { modelInfo, type Built, type Trained } from './trained.ts';
import { toFitData, type TrainJob } from './train-fresh.ts';
import { trialUnit, type TrialResult } from './tune-trial.ts';
import { rowsOf } from './unit-codec.ts';
import { GRID_KEYS, type TuneConfig, type TuneGrid, type TuneMonitor } from './tune-config.ts';
import { LOWER_IS_BETTER, plainLoss, scoreKeys, taskScores } from './task-scores.ts';
import { MedpipeError } from '../base/errors.ts';

type GridKey = (typeof GRID_KEYS)[number];

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
  /**
   * The winner's validation scores (by sample id), so its model can be checked against them: binary,
   * `score` = P(class 1); K classes or findings, `scores` = the K outputs and `score` the highest of them.
   */
  readonly valPredictions: readonly { readonly id: string; readonly label: number; readonly score: number; readonly scores?: readonly number[] }[];
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

const better = (a: number, b: number, mode: 'min' | 'max') => Number.isFinite(a) && (!Number.isFinite(b) || (mode === 'max' ? a > b : a < b));

/**
 * Grid search: trains one model per combination on the training split (from the same initial
 * weights, with the same seed), scores each on the validation split (never test) and returns the
 * winner as fit would, plus every point's results. Each point is a unit of work (tune-trial.ts)
 * that `job.units` runs: here, on workers, or from the cache.
 * @example
 *   const tuned = await runTune(built, splits, { grid: { learningRate: [1e-3, 3e-4] } }, { seed: 42, emit }, 'native');
 */
export async function runTune(built: Built, data: SplitSet, config: TuneConfig, job: TrainJob, backend: string): Promise<Tuned> {
  const { unitsOf } = await import('./predict.ts');
  const task = taskOf(data);
  const monitor = config.monitor ?? 'val_auc';
  const keys = scoreKeys(task);
  if (monitor !== 'val_loss' && !keys.includes(monitor.slice(4))) {
    throw new MedpipeError('INVALID_CONFIG', `tune monitors '${monitor}', which a ${task} task does not compute.`, {
      fix: `Use val_loss or one of: ${keys.map((k) => `val_${k}`).join(', ')}.`,
    });
  }
  const mode = LOWER_IS_BETTER.has(monitor.slice(4)) ? 'min' : 'max';
  const base = config.base ?? {};
  const grid = gridPoints(config.grid);
  // Candidates learn on train and are ranked on val; the test split is never read here.
  const val = toFitData(data, data.val);
  const units = unitsOf(val);
  const notes = grid.map((params, i) => `grid point ${i + 1}/${grid.length}: ${describeParams(params)}`);
  // Each point is a unit of work: cached on its own, and run wherever the run's executor sends it.
  const trials = await (job.units ?? inlineUnits).run(
    trialUnit,
    grid.map((params, i) => ({
      label: notes[i]!,
      input: {
        model: built.model,
        data,
        train: rowsOf(data, data.train),
        val: rowsOf(data, data.val),
        config: pointConfig(base, params),
        augment: data.augment,
        seed: job.seed,
      },
    })),
    job,
  );
  const points: TunePoint[] = [];
  let best: { index: number; score: number; trial: TrialResult } | undefined;
  for (const [i, trial] of trials.entries()) {
    const { fit: result, scores } = trial;
    const metrics = (await taskScores(task, val.y, scores, data.classes)).values;
    const values: Record<string, number> = { val_loss: await plainLoss(task, val.y, scores, data.classes.length) };
    for (const key of keys) values[`val_${key}`] = metrics[key]!;
    points.push({ point: i + 1, params: grid[i]!, val: values, bestEpoch: result.bestEpoch, epochsRun: result.epochsRun, stoppedEarly: result.stoppedEarly });
    const score = values[monitor]!;
    job.emit({
      type: 'log',
      level: 'info',
      message: `${notes[i]} → ${monitor} ${Number.isFinite(score) ? score.toFixed(4) : 'n/a'} (best epoch ${result.bestEpoch})`,
    });
    if (best === undefined || better(score, best.score, mode)) best = { index: i, score, trial };
  }
  const winner = best!;
  if (!Number.isFinite(winner.score)) {
    job.emit({ type: 'log', level: 'warn', message: `${monitor} is undefined for every grid point (one class only in the validation split?); kept the first` });
  }
  job.emit({ type: 'log', level: 'info', message: `winner: grid point ${winner.index + 1}/${grid.length} (${describeParams(grid[winner.index]!)})` });
  const fit = winner.trial.fit;
  return {
    model: winner.trial.model,
    history: fit.history,
    bestEpoch: fit.bestEpoch,
    stoppedEarly: fit.stoppedEarly,
    restoredBest: fit.restoredBest,
    epochsRun: fit.epochsRun,
    backend,
    dataHash: built.dataHash,
    info: modelInfo(data),
    tune: {
      monitor,
      mode,
      winner: winner.index + 1,
      points,
      valPredictions: data.val.samples.map((s, j) => {
        if (units === 1) return { id: s.id, label: s.label, score: winner.trial.scores[j]! };
        const scores = Array.from(winner.trial.scores.subarray(j * units, (j + 1) * units));
        return { id: s.id, label: s.label, score: Math.max(...scores), scores };
      }),
    },
  };
}
