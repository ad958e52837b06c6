/**
 * Folds the runtime's event stream (and watch mode's events) into the state the dashboard shows.
 * Pure and React-free: every event goes through here, redraws are throttled elsewhere.
 */
import type { ErrorInfo, MissReason, RunEvent, StageInfo } from '../runtime/events.ts';
import type { ChangeEvent, WatchEvent } from '../runtime/watch-events.ts';
import { firstLine } from '../view/format.ts';

export type StageStatus = 'waiting' | 'cached' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ProgressView {
  readonly done: number;
  readonly total: number;
  readonly unit: string;
  readonly note?: string;
  /** Units per second since the stage started (files/s for ingest). */
  readonly rate?: number;
  readonly etaMs?: number;
}

export interface FitView {
  /** Epochs finished (a count, whatever numbering the runtime uses). */
  readonly epochsDone: number;
  readonly epochs: number;
  /** Epoch in progress, 1-based, for display. */
  readonly epoch: number;
  /** Batches finished in the epoch in progress. */
  readonly batch: number;
  readonly batches: number;
  /** Loss of the last batch. */
  readonly loss?: number;
  /** Time left for the whole fit (needs the epoch count, known after the first epoch event). */
  readonly etaMs?: number;
  /** Time left in the epoch in progress. */
  readonly epochEtaMs?: number;
  readonly epochStartedAt: number;
  /** Last epoch's train metrics (`loss`, `accuracy`, `auc`, …) and validation metrics without `val_`. */
  readonly train: Readonly<Record<string, number>>;
  readonly val: Readonly<Record<string, number>>;
  /** The early-stopping monitor's best value, as the runtime reports it. */
  readonly best?: { readonly monitor: string; readonly value: number; readonly epoch: number };
  readonly bestValAuc?: { readonly value: number; readonly epoch: number };
  readonly patienceLeft?: number;
  readonly lossHistory: readonly number[];
  readonly valLossHistory: readonly number[];
  readonly valAucHistory: readonly number[];
}

/** One unit of work of a stage (a tune trial, a fold): where it runs and how far it is. */
export interface UnitView {
  readonly key: string;
  readonly label: string;
  readonly state: 'queued' | 'running' | 'cached' | 'retrying' | 'done' | 'failed';
  readonly worker?: string;
  readonly source?: 'local' | 'remote' | 'worker';
  /** 1-based epoch last finished, of `epochs`. */
  readonly epoch?: number;
  readonly epochs?: number;
  /** The last epoch's validation metrics, without `val_`. */
  readonly val: Readonly<Record<string, number>>;
  readonly ms?: number;
  readonly message?: string;
}

export interface StageView {
  readonly id: string;
  readonly kind: string;
  readonly status: StageStatus;
  readonly key?: string;
  readonly startedAt?: number;
  readonly ms?: number;
  readonly summary?: string;
  /** Rerun but produced byte-identical output: downstream stays cached (early cutoff). */
  readonly unchangedOutput?: boolean;
  readonly progress?: ProgressView;
  /** Why it was not served from cache (empty when cached or not started). */
  readonly reasons: readonly MissReason[];
  readonly error?: ErrorInfo;
  /** The error message's first line, for the one-row view. */
  readonly errorLine?: string;
  readonly fit?: FitView;
  /** The stage's units of work, in the order they were first reported. */
  readonly units?: readonly UnitView[];
}

export interface LogLine {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly stage?: string;
}

export interface WatchView {
  readonly status: 'running' | 'cancelling' | 'waiting' | 'error' | 'stopped';
  /** The last batch of changes and when it was seen. */
  readonly changes: readonly ChangeEvent[];
  readonly changedAt?: number;
  readonly error?: ErrorInfo;
  /** Runs started so far (the first one included). */
  readonly runs: number;
}

export interface RunState {
  readonly phase: 'idle' | 'running' | 'done' | 'failed' | 'cancelled';
  readonly runId?: string;
  readonly pipeline?: string;
  readonly startedAt?: number;
  /** Time of the last event: the dashboard's clock, so ETAs do not depend on when it redraws. */
  readonly now?: number;
  readonly ms?: number;
  readonly backend?: string;
  readonly cacheDir?: string;
  /** The remote cache and its mode, when the run has one. */
  readonly remote?: string;
  /** Where units of work run, when not in this process. */
  readonly executor?: string;
  readonly outputDir?: string;
  readonly cacheHits: number;
  readonly stages: readonly StageView[];
  /** The last few log lines (warnings matter: skipped files, fallbacks). */
  readonly logs: readonly LogLine[];
  readonly error?: ErrorInfo;
  /** Present in watch mode only. */
  readonly watch?: WatchView;
}

export const MAX_LOG_LINES = 5;

export const initialRunState: RunState = Object.freeze({
  phase: 'idle',
  cacheHits: 0,
  stages: Object.freeze([]) as readonly StageView[],
  logs: Object.freeze([]) as readonly LogLine[],
});

/**
 * Returns the state after `event`; never mutates `state`.
 *
 * @example
 * const state = events.reduce(reduceRunEvent, initialRunState);
 */
export function reduceRunEvent(state: RunState, event: RunEvent | WatchEvent): RunState {
  const now = Math.max(state.now ?? 0, event.at);
  switch (event.type) {
    case 'run-start':
      return {
        ...initialRunState,
        phase: 'running',
        runId: event.runId,
        pipeline: event.pipeline,
        startedAt: event.at,
        now,
        backend: event.backend ?? state.backend,
        cacheDir: event.cacheDir,
        remote: event.remote,
        executor: event.executor,
        stages: event.stages.map(waitingStage),
        watch: state.watch && { ...state.watch, status: 'running', runs: state.watch.runs + 1, error: undefined },
      };
    case 'stage-start':
      return updateStage({ ...state, now }, event.stage, (s) => ({
        ...s,
        status: 'running',
        key: event.key,
        startedAt: event.at,
        reasons: event.reasons,
        progress: undefined,
        fit: undefined,
        error: undefined,
        errorLine: undefined,
      }));
    case 'stage-cached':
      return updateStage({ ...state, now, cacheHits: state.cacheHits + 1 }, event.stage, (s) => ({
        ...s,
        status: 'cached',
        key: event.key,
        reasons: [],
      }));
    case 'stage-progress':
      return updateStage({ ...state, now }, event.stage, (s) => ({
        ...s,
        status: s.status === 'waiting' ? 'running' : s.status,
        startedAt: s.startedAt ?? event.at,
        progress: progressView(event, s.startedAt ?? event.at),
      }));
    case 'stage-done':
      return updateStage({ ...state, now }, event.stage, (s) => ({
        ...s,
        status: 'done',
        key: event.key,
        ms: event.ms,
        summary: event.summary,
        unchangedOutput: event.unchangedOutput,
      }));
    case 'stage-failed': {
      const cancelled = event.error.code === 'CANCELLED';
      return updateStage({ ...state, now }, event.stage, (s) => ({
        ...s,
        status: cancelled ? 'cancelled' : 'failed',
        error: event.error,
        errorLine: firstLine(event.error.message),
      }));
    }
    case 'batch':
      return updateStage({ ...state, now }, event.stage, (s) => ({
        ...s,
        status: s.status === 'waiting' ? 'running' : s.status,
        startedAt: s.startedAt ?? event.at,
        fit: fitAfterBatch(s.fit, event, s.startedAt ?? event.at),
      }));
    case 'epoch':
      return updateStage({ ...state, now }, event.stage, (s) => ({
        ...s,
        status: s.status === 'waiting' ? 'running' : s.status,
        startedAt: s.startedAt ?? event.at,
        fit: fitAfterEpoch(s.fit, event, s.startedAt ?? event.at),
      }));
    case 'unit':
      return updateStage({ ...state, now }, event.stage, (s) => ({
        ...s,
        status: s.status === 'waiting' ? 'running' : s.status,
        units: unitsAfter(s.units ?? [], event),
      }));
    case 'log':
      return {
        ...state,
        now,
        logs: [...state.logs, { level: event.level, message: event.message, stage: event.stage }].slice(-MAX_LOG_LINES),
      };
    case 'run-done': {
      const cancelled = event.error?.code === 'CANCELLED';
      return {
        ...state,
        now,
        phase: event.ok ? 'done' : cancelled ? 'cancelled' : 'failed',
        ms: event.ms,
        cacheHits: event.cacheHits,
        outputDir: event.outputDir ?? state.outputDir,
        error: event.ok ? undefined : event.error,
        // A stage still shown running when the run ends was interrupted.
        stages: event.ok ? state.stages : state.stages.map((s) => (s.status === 'running' ? { ...s, status: cancelled ? 'cancelled' : 'failed' } : s)),
      };
    }
    case 'watch-change':
      return {
        ...state,
        now,
        watch: { ...watchOf(state), changes: event.changes, changedAt: event.at },
      };
    case 'watch-cancel':
      return { ...state, now, watch: { ...watchOf(state), status: 'cancelling' } };
    case 'watch-waiting':
      return { ...state, now, watch: { ...watchOf(state), status: 'waiting' } };
    case 'watch-start':
      return { ...state, now, watch: { ...watchOf(state), status: 'running' } };
    case 'watch-stop':
      return { ...state, now, watch: { ...watchOf(state), status: 'stopped' } };
    case 'watch-error':
      return { ...state, now, phase: 'failed', error: event.error, watch: { ...watchOf(state), status: 'error', error: event.error } };
  }
}

/** The units after one unit event: the unit updated in place, or appended when new. */
function unitsAfter(units: readonly UnitView[], event: Extract<RunEvent, { type: 'unit' }>): readonly UnitView[] {
  const index = units.findIndex((u) => u.key === event.key);
  const before: UnitView = index >= 0 ? units[index]! : { key: event.key, label: event.unit, state: 'queued', val: {} };
  const val: Record<string, number> = { ...before.val };
  for (const [name, value] of Object.entries(event.logs ?? {})) if (name.startsWith('val_')) val[name.slice(4)] = value;
  const unit: UnitView = {
    ...before,
    state: event.state,
    worker: event.worker ?? before.worker,
    source: event.source ?? before.source,
    epoch: event.epoch ?? before.epoch,
    epochs: event.epochs ?? before.epochs,
    val,
    ms: event.ms ?? before.ms,
    message: event.message,
  };
  if (index < 0) return [...units, unit];
  const next = units.slice();
  next[index] = unit;
  return next;
}

function watchOf(state: RunState): WatchView {
  return state.watch ?? { status: 'running', changes: [], runs: state.runId ? 1 : 0 };
}

function waitingStage(info: StageInfo): StageView {
  return { id: info.id, kind: info.kind, status: 'waiting', reasons: [] };
}

/** Applies `update` to the stage `id`, appending it when the run-start list did not name it. */
function updateStage(state: RunState, id: string, update: (stage: StageView) => StageView): RunState {
  const index = state.stages.findIndex((s) => s.id === id);
  if (index === -1) return { ...state, stages: [...state.stages, update({ id, kind: id, status: 'waiting', reasons: [] })] };
  const stages = state.stages.slice();
  stages[index] = update(stages[index]);
  return { ...state, stages };
}

function progressView(event: Extract<RunEvent, { type: 'stage-progress' }>, startedAt: number): ProgressView {
  const elapsed = event.at - startedAt;
  const rate = elapsed > 0 ? (event.done / elapsed) * 1000 : undefined;
  const left = Math.max(0, event.total - event.done);
  return {
    done: event.done,
    total: event.total,
    unit: event.unit,
    note: event.note,
    rate,
    etaMs: rate && rate > 0 ? (left / rate) * 1000 : undefined,
  };
}

function emptyFit(epochs: number, startedAt: number): FitView {
  return {
    epochStartedAt: startedAt,
    epochsDone: 0,
    epochs,
    epoch: 1,
    batch: 0,
    batches: 0,
    train: {},
    val: {},
    lossHistory: [],
    valLossHistory: [],
    valAucHistory: [],
  };
}

/** Overall time left from the fraction of all batches done so far. */
function fitEta(fit: FitView, at: number, startedAt: number): number | undefined {
  const batches = fit.batches || 1;
  const total = fit.epochs * batches;
  const done = fit.epochsDone * batches + (fit.batches ? fit.batch : 0);
  const elapsed = at - startedAt;
  if (done <= 0 || total <= 0 || elapsed <= 0) return undefined;
  return Math.max(0, (elapsed * (total - done)) / done);
}

function fitAfterBatch(before: FitView | undefined, event: Extract<RunEvent, { type: 'batch' }>, startedAt: number): FitView {
  // Epochs and batches count from 1 (WorkEvent): a batch of epoch e means e − 1 epochs are done.
  const base = before ?? emptyFit(0, startedAt);
  const epochsDone = Math.max(base.epochsDone, event.epoch - 1);
  const batch = event.batch;
  const fit: FitView = {
    ...base,
    epochsDone,
    epoch: Math.min(epochsDone + 1, base.epochs || Infinity),
    batch,
    batches: event.batches,
    loss: event.loss,
  };
  const epochElapsed = event.at - fit.epochStartedAt;
  const epochEtaMs = batch > 0 && epochElapsed > 0 ? (epochElapsed * Math.max(0, event.batches - batch)) / batch : undefined;
  return { ...fit, epochEtaMs, etaMs: fitEta(fit, event.at, startedAt) };
}

function fitAfterEpoch(before: FitView | undefined, event: Extract<RunEvent, { type: 'epoch' }>, startedAt: number): FitView {
  const base = before ?? emptyFit(event.epochs, startedAt);
  const train: Record<string, number> = {};
  const val: Record<string, number> = {};
  for (const [name, value] of Object.entries(event.logs)) {
    if (name.startsWith('val_')) val[name.slice(4)] = value;
    else train[name] = value;
  }
  const epochsDone = event.epoch;
  const valAuc = val.auc;
  const improved = valAuc !== undefined && !Number.isNaN(valAuc) && (!base.bestValAuc || valAuc > base.bestValAuc.value);
  const fit: FitView = {
    ...base,
    epochs: event.epochs,
    epochsDone,
    epoch: Math.min(epochsDone + 1, event.epochs),
    // The next epoch has no batch done yet (unless this was the last one).
    batch: epochsDone >= event.epochs ? base.batches : 0,
    epochStartedAt: event.at,
    epochEtaMs: undefined,
    train,
    val,
    best: event.best ?? base.best,
    bestValAuc: improved ? { value: valAuc, epoch: epochsDone } : base.bestValAuc,
    patienceLeft: event.patienceLeft ?? base.patienceLeft,
    lossHistory: train.loss === undefined ? base.lossHistory : [...base.lossHistory, train.loss],
    valLossHistory: val.loss === undefined ? base.valLossHistory : [...base.valLossHistory, val.loss],
    valAucHistory: valAuc === undefined ? base.valAucHistory : [...base.valAucHistory, valAuc],
  };
  return { ...fit, etaMs: fitEta(fit, event.at, startedAt) };
}
