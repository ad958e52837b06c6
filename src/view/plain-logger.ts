/**
 * The headless view of a run: one plain, greppable line per event, no escape codes. Used when
 * stdout is not a TTY (CI, `| cat`, log files). Never loads React or Ink.
 */
import type { Observable, Subscription } from 'rxjs';
import type { RunEvent } from '../runtime/events.ts';
import type { WatchEvent } from '../runtime/watch-events.ts';
import { describeError, describeMissReason, formatDuration, formatMetric, shortKey, stripControl } from './format.ts';

/**
 * The line for one event, or undefined for events too frequent to log one by one (`batch`: the
 * epoch line carries its loss).
 *
 * @example
 * formatEventLine({ type: 'stage-cached', at: 0, stage: 'ingest', key: 'ingest:9f3a…' }); // '[ingest] cached (key 9f3a…)'
 */
export function formatEventLine(event: RunEvent | WatchEvent): string | undefined {
  const line = rawLine(event);
  return line === undefined ? undefined : oneLine(line);
}

function rawLine(event: RunEvent | WatchEvent): string | undefined {
  switch (event.type) {
    case 'run-start':
      return `run ${event.pipeline} started: ${event.stages.length} stages, backend ${event.backend ?? 'not loaded yet'}, cache ${event.cacheDir}${event.remote ? `, remote ${event.remote}` : ''}${event.executor ? `, units on ${event.executor}` : ''} (run ${event.runId})`;
    case 'stage-start': {
      const why = event.reasons.map(describeMissReason).join('; ');
      return `[${event.stage}] running (key ${shortKey(event.key)})${why ? `: ${why}` : ''}`;
    }
    case 'stage-cached':
      return `[${event.stage}] cached (key ${shortKey(event.key)}${event.source === 'remote' ? ', from the remote cache' : ''})`;
    case 'stage-progress': {
      const pct = event.total > 0 ? ` (${Math.floor((event.done / event.total) * 100)}%)` : '';
      return `[${event.stage}] ${event.done}/${event.total} ${event.unit}${pct}${event.note ? `: ${event.note}` : ''}`;
    }
    case 'stage-done': {
      const cutoff = event.unchangedOutput ? '; output unchanged, downstream stays cached' : '';
      return `[${event.stage}] done in ${formatDuration(event.ms)}${event.summary ? `: ${event.summary}` : ''}${cutoff}`;
    }
    case 'stage-failed':
      return event.error.code === 'CANCELLED' ? `[${event.stage}] cancelled` : `[${event.stage}] failed: ${describeError(event.error)}`;
    case 'epoch': {
      // Epochs count from 1 (WorkEvent): the event's numbers are printed as they are.
      const metrics = Object.entries(event.logs)
        .map(([name, value]) => `${name}=${formatMetric(name, value)}`)
        .join(' ');
      const best = event.best ? ` best ${event.best.monitor}=${formatMetric(event.best.monitor, event.best.value)} (epoch ${event.best.epoch})` : '';
      const patience = event.patienceLeft !== undefined ? ` patience_left=${event.patienceLeft}` : '';
      return `[${event.stage}] epoch ${event.epoch}/${event.epochs} ${metrics}${best}${patience}`;
    }
    case 'batch':
      return undefined;
    case 'unit':
      return unitLine(event);
    case 'log':
      return `${event.stage ? `[${event.stage}] ` : ''}${event.level === 'warn' ? 'warning: ' : ''}${event.message}`;
    case 'run-done': {
      const took = formatDuration(event.ms);
      const outputs = event.outputDir ? `, outputs in ${event.outputDir}` : '';
      if (event.ok) return `run done in ${took}: ${event.cacheHits} cached${outputs}`;
      if (event.error?.code === 'CANCELLED') return `run cancelled after ${took}: ${event.cacheHits} cached`;
      return `run failed after ${took}${event.error ? `: ${describeError(event.error)}` : ''}`;
    }
    case 'watch-change': {
      const mark = { add: '+', change: '~', unlink: '-' } as const;
      const n = event.changes.length;
      return `[watch] ${n} ${n === 1 ? 'change' : 'changes'}: ${event.changes.map((c) => `${mark[c.kind]} ${c.path}`).join(', ')}`;
    }
    case 'watch-cancel':
      return `[watch] cancelling the stale run${event.runId ? ` ${event.runId}` : ''}`;
    case 'watch-waiting':
      return '[watch] waiting for changes';
    case 'watch-start':
      return '[watch] watching the pipeline file and its inputs';
    case 'watch-stop':
      return '[watch] stopped';
    case 'watch-error':
      return `[watch] the run could not start: ${describeError(event.error)}`;
  }
}

/** A unit of work's line: `[tune] grid point 2/8 …: epoch 3/5 on host:123 val_auc=0.91`. */
function unitLine(event: Extract<RunEvent, { type: 'unit' }>): string {
  const on = event.worker && event.worker !== 'local' ? ` on ${event.worker}` : '';
  const head = `[${event.stage}] ${event.unit}`;
  switch (event.state) {
    case 'queued':
      return `${head}: queued (key ${shortKey(event.key)})`;
    case 'running': {
      if (event.epoch === undefined) return `${head}: running${on}`;
      const metrics = Object.entries(event.logs ?? {})
        .filter(([name]) => name === 'val_loss' || name === 'val_auc' || name === 'val_accuracy')
        .map(([name, value]) => `${name}=${formatMetric(name, value)}`)
        .join(' ');
      return `${head}: epoch ${event.epoch}/${event.epochs ?? '?'}${on}${metrics ? ` ${metrics}` : ''}`;
    }
    case 'cached':
      return `${head}: cached (${event.source === 'worker' ? `${event.message ?? "from a worker's cache"}${on}` : event.source === 'remote' ? 'from the remote cache' : 'from this cache'})`;
    case 'retrying':
      return `${head}: retrying${event.message ? `: ${event.message}` : ''}`;
    case 'done':
      return `${head}: done${on}${event.ms !== undefined ? ` in ${formatDuration(event.ms)}` : ''}`;
    case 'failed':
      return `${head}: failed${on}${event.message ? `: ${event.message}` : ''}`;
  }
}

/** No escape codes, no line breaks: a grep must see the whole event on one line. */
function oneLine(text: string): string {
  return stripControl(text)
    .replace(/\s*[\r\n]+\s*/g, ' | ')
    .replace(/\t/g, ' ');
}

export interface LogPlainOptions {
  /**
   * Log a stage's progress only when it crosses another step of this many percent (and at 100%):
   * 5,000 files must not make 5,000 lines.
   * @default 10
   */
  readonly progressStepPercent?: number;
}

/**
 * Writes one line per event until the stream ends; progress lines are thinned (see options).
 *
 * @example
 * logPlain(runPipeline(p, { cacheDir: 'cache' })); // to stdout
 */
export function logPlain(
  events: Observable<RunEvent | WatchEvent>,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  options: LogPlainOptions = {},
): Subscription {
  const step = Math.max(1, options.progressStepPercent ?? 10);
  const lastStep = new Map<string, number>();
  return events.subscribe((event) => {
    if (event.type === 'run-start') {
      lastStep.clear();
    }
    if (event.type === 'stage-start') lastStep.delete(event.stage);
    if (event.type === 'stage-progress') {
      const pct = event.total > 0 ? (event.done / event.total) * 100 : 0;
      const bucket = event.done >= event.total ? Number.POSITIVE_INFINITY : Math.floor(pct / step);
      if (lastStep.get(event.stage) === bucket) return;
      lastStep.set(event.stage, bucket);
    }
    const line = formatEventLine(event);
    if (line !== undefined) write(line);
  });
}
