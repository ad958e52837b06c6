/**
 * How far V8 lets the JS heap grow past what is live while a run is in progress. After each full
 * collection V8 sets the next limit at live × a factor it picks from the collector's and the
 * program's speeds, up to 4x on a machine with this much memory. A run's live heap grows with the
 * data set (samples, rows, predictions: about 230 bytes an image), so at 10^5 images each phase's
 * peak carried that growth several times over in garbage (ingest's per-file work, the exports and
 * report.html at the end) — a peak that grew with N where the live data barely did. A fixed
 * factor keeps the peak at most that factor above what is live, for more frequent (incremental)
 * major collections.
 *
 * `--heap-growing-percent` is a V8 flag read at every full collection, so it takes effect when
 * set at run time; it is process-wide (worker threads included). The run sets it at its start and
 * hands V8 its own heuristic back at its end. A user's own `--heap-growing-percent` (in
 * NODE_OPTIONS or node's arguments) is left alone, and `MEDPIPE_HEAP_GROWTH=<percent>` sets it
 * (0: V8's own heuristic).
 */
import { setFlagsFromString } from 'node:v8';
import { MedpipeError } from '../base/errors.ts';

/** Factor 1.5 after a full collection: see bench/data/RESULTS.md (flat RSS in N) for what it costs and saves. */
export const DEFAULT_HEAP_GROWTH_PERCENT = 50;

const FLAG = '--heap-growing-percent';

/** The percent the run sets, or undefined when the process's own setting rules. */
export function runHeapGrowth(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): number | undefined {
  if (setByUser(FLAG, env, execArgv)) return undefined;
  const setting = env.MEDPIPE_HEAP_GROWTH;
  if (setting === undefined || setting === '') return DEFAULT_HEAP_GROWTH_PERCENT;
  const percent = Number(setting);
  if (!Number.isInteger(percent) || percent < 0) {
    throw new MedpipeError('INVALID_CONFIG', `MEDPIPE_HEAP_GROWTH=${setting} is not a whole number of percent.`, {
      fix: "Set it to e.g. 50 (the heap may grow to 1.5x what is live) or 0 (V8's own heuristic), or unset it.",
    });
  }
  return percent;
}

/** Whether the process was started with V8 flag `flag` (node's arguments or NODE_OPTIONS; `_` and `-` alike). */
export function setByUser(flag: string, env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  return [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.replace(/_/g, '-').startsWith(flag));
}

let runs = 0;

/**
 * Bounds heap growth while a run is in progress; the returned function hands V8 its own heuristic
 * back once the last concurrent run ends.
 * @example
 *   const restore = boundHeapGrowth(); try { await run(); } finally { restore(); }
 */
export function boundHeapGrowth(percent = runHeapGrowth()): () => void {
  if (percent === undefined) return () => undefined;
  runs++;
  setFlagsFromString(`${FLAG}=${percent}`);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--runs === 0) setFlagsFromString(`${FLAG}=0`);
  };
}
