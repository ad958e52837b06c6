/**
 * The presentation layer's words: every way a run's facts (miss reasons, durations, metrics, errors)
 * are put into text, shared by the dashboard, the plain-line logger, `status` and the CLI. No React
 * here: the headless logger imports it.
 */
import { MedpipeError, stackOf, type ErrorInfo } from '../base/errors.ts';
import type { MissReason } from '../runtime/events.ts';

/** The first 8 hex digits of a cache key, like a short git hash. */
export function shortKey(key: string): string {
  return key.replace(/^[a-z0-9-]+:/i, '').slice(0, 8);
}

/** `850ms`, `12.3s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/** Metric values: counts as integers, rates with 4 decimals, NaN as `n/a` (one-class splits). */
export function formatMetric(name: string, value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (/(^|_)(tp|fp|tn|fn)$/.test(name)) return String(Math.round(value));
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toFixed(4);
}

/** Why a stage reruns, in words: `config changed: epochs, batchSize`, `2 files added (a.png, b.png)`. */
export function describeMissReason(reason: MissReason): string {
  switch (reason.kind) {
    case 'new':
      return reason.detail ? `not in cache (${reason.detail})` : 'not in cache';
    case 'config':
      return `config changed: ${reason.fields.join(', ')}`;
    case 'files': {
      // `1 file added`, `3 files changed, 1 removed (a.png, b.png, …)`
      const counts = [
        [reason.added, 'added'],
        [reason.removed, 'removed'],
        [reason.changed, 'changed'],
      ] as const;
      const parts = counts.filter(([n]) => n > 0).map(([n, what], i) => (i === 0 ? `${n} ${n === 1 ? 'file' : 'files'} ${what}` : `${n} ${what}`));
      const count = reason.added + reason.removed + reason.changed;
      const what = parts.join(', ') || 'files changed';
      const shown = reason.examples.slice(0, 3);
      const more = reason.examples.length > shown.length || count > shown.length ? ', …' : '';
      return shown.length ? `${what} (${shown.join(', ')}${more})` : what;
    }
    case 'upstream':
      return `upstream stage '${reason.stage}' changed its output`;
    case 'env':
      return `environment changed: ${reason.parts.join(', ')}`;
    case 'code':
      return `stage code changed (${reason.detail})`;
    case 'corrupt':
      return `cache entry unusable (${reason.detail})`;
  }
}

/** `BAD_FILE: Cannot decode x.png. File: data/x.png. Fix: …` (one error, one line's worth). */
export function describeError(error: ErrorInfo): string {
  const message = error.message.trim();
  const sentence = /[.!?:]$/.test(message) ? message : `${message}.`;
  const file = error.file && !message.includes(error.file) ? ` File: ${error.file}.` : '';
  const fix = error.fix ? ` Fix: ${error.fix}` : '';
  const stack = error.stack ? ` Stack: ${error.stack}` : '';
  return `${error.code}: ${sentence}${file}${fix}${stack}`;
}

/**
 * An error as the CLI prints it on stderr: `medpipe: [stage] message`, every issue on its own line,
 * the fix, and with MEDPIPE_DEBUG=1 the stack trace.
 */
export function formatCliError(error: unknown, debug = Boolean(process.env.MEDPIPE_DEBUG)): string {
  if (error instanceof MedpipeError) {
    const issues = error.issues.length > 0 ? '\n' + error.issues.map((i) => `  - ${i}`).join('\n') : '';
    const fix = error.fix ? `\n  fix: ${error.fix}` : '';
    const stack = debug ? `\n${stackOf(error)}` : '';
    return `medpipe: ${error.stage ? `[${error.stage}] ` : ''}${error.message}${issues}${fix}${stack}`;
  }
  return `medpipe: ${debug && error instanceof Error ? error.stack : String(error)}`;
}

/** The first line of an error message (the dashboard has one row per stage). */
export function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0]?.trim() ?? '';
}

/** Removes escape sequences and control characters that came in from file names or messages. */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/** `██████░░░░` for done/total; an unknown total (0) shows an empty bar. */
export function progressBar(done: number, total: number, width = 20): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** `12.5 files/s`, `1,204 files/s`. */
export function formatRate(rate: number, unit: string): string {
  const value = rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1);
  return `${value} ${unit}/s`;
}
