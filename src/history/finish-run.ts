/**
 * The end of every run: record it in the run history and, when it evaluated, write report.html.
 * Neither may fail the run or lose its results: problems come back as warnings for the log.
 */
import { sha256 } from '../base/canonical.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLASS_EVALUATION_FILE, type ClassEvaluationDocument } from '../report/class-evaluation-document.ts';
import { EVALUATION_FILE, type EvaluationDocument } from '../report/evaluation-document.ts';
import { REPORT_FILE } from '../report/html/report-file.ts';
import type { PlotMemo } from '../report/page-plots.ts';
import { historyPath, openHistory } from './database.ts';
import { gitState, imagesOf, insertRun, type RunRecord } from './record.ts';

/** What the runtime knows when a run ends; git state, version and documents are added here. */
export type FinishedRun = Pick<
  RunRecord,
  'runId' | 'pipeline' | 'startedAt' | 'ms' | 'ok' | 'error' | 'seed' | 'backend' | 'cacheHits' | 'stages' | 'files' | 'git'
> & {
  readonly outDir: string;
  /** The pipeline file's folder: its git commit and dirty flag are read here unless `git` is given (taken at the start). */
  readonly baseDir: string;
};

export interface FinishOptions {
  /** History database path, false for none. @default $MEDPIPE_HISTORY, else runs/history.db beside the cache */
  readonly history?: string | false;
  readonly cacheDir: string;
  /** Where report.html's plots are memoised (the run's cache): an unchanged evaluation is not drawn again. */
  readonly plots?: PlotMemo;
}

export interface Finished {
  /** The run's number in the history (`medpipe report <number>`), when it was recorded. */
  readonly number?: number;
  readonly historyPath?: string;
  /** Files written (report.html). */
  readonly files: readonly string[];
  readonly warnings: readonly string[];
}

/** report.html's writers, each module loaded once (a run that evaluates starts loading them at its start). */
let binaryReport: Promise<typeof import('../report/html/report-html.ts')> | undefined;
let classReport: Promise<typeof import('../report/html/class-report-html.ts')> | undefined;
const loadReportHtml = () => (binaryReport ??= import('../report/html/report-html.ts'));
const loadClassReportHtml = () => (classReport ??= import('../report/html/class-report-html.ts'));

/**
 * Starts loading report.html's writers (a binary or a class report: which one is known only from the
 * evaluation's files), so that a run's end does not wait for them. A failure to load is reported
 * when finishRun needs the module, as a warning.
 */
export function prefetchReportHtml(): void {
  loadReportHtml().catch(() => undefined);
  loadClassReportHtml().catch(() => undefined);
}

/**
 * @example
 *   const { number, files, warnings } = await finishRun(run, { cacheDir: 'cache' });
 */
export async function finishRun(run: FinishedRun, options: FinishOptions): Promise<Finished> {
  const warnings: string[] = [];
  const evaluationRead = run.ok ? readDocument<EvaluationDocument>(run, EVALUATION_FILE, warnings) : undefined;
  const evaluation = evaluationRead?.document;
  // Multi-class, ordinal and multi-label runs: their report comes from class-evaluation.json, kept in the history for `medpipe report`.
  const classRead = run.ok && !evaluation ? readDocument<ClassEvaluationDocument>(run, CLASS_EVALUATION_FILE, warnings) : undefined;
  const classEvaluation = classRead?.document;
  const plots = (read: { sha256: string } | undefined) => (options.plots && read ? { memo: options.plots, document: read.sha256 } : undefined);
  const reportPath = evaluation || classEvaluation ? join(run.outDir, REPORT_FILE) : undefined;
  const record: RunRecord = {
    ...run,
    // The backend that trained the model; the run's own is only a prediction when every stage was cached.
    backend: evaluation?.context.training.backend ?? run.backend,
    git: run.git ?? (await gitState(run.baseDir)),
    medpipeVersion: medpipeVersion(),
    files: reportPath ? [...run.files, reportPath] : run.files,
    ...(evaluation
      ? { evaluation, evaluationJson: evaluationRead!.text, evaluationSha256: evaluationRead!.sha256, images: imagesOf(run.outDir, evaluation) }
      : {}),
    ...(classEvaluation ? { classEvaluation, images: imagesOf(run.outDir, classEvaluation) } : {}),
    ...(run.ok ? { extraMetrics: { ...classMetrics(run), ...crossValidationMetrics(run) } } : {}),
  };
  const path = historyPath(options.history, options.cacheDir);
  let number: number | undefined;
  if (path) {
    try {
      const db = await openHistory(path);
      try {
        number = insertRun(db, record);
      } finally {
        db.close();
      }
    } catch (error) {
      warnings.push(
        `the run was not recorded in the history ${path}: ${(error as Error).message}${(error as { fix?: string }).fix ? ` (${(error as { fix?: string }).fix})` : ''}`,
      );
    }
  }
  const files: string[] = [];
  if (evaluation && reportPath) {
    try {
      const { writeReportHtml } = await loadReportHtml();
      const reportRun = { ...record, ...(number !== undefined ? { number } : {}) };
      files.push(await writeReportHtml(run.outDir, { run: reportRun, evaluation, images: record.images ?? {}, plots: plots(evaluationRead) }));
    } catch (error) {
      warnings.push(`report.html was not written: ${(error as Error).message}`);
    }
  }
  if (classEvaluation && reportPath) {
    try {
      const { writeClassReportHtml } = await loadClassReportHtml();
      const reportRun = { ...record, ...(number !== undefined ? { number } : {}) };
      files.push(await writeClassReportHtml(run.outDir, { run: reportRun, evaluation: classEvaluation, images: record.images ?? {}, plots: plots(classRead) }));
    } catch (error) {
      warnings.push(`report.html was not written: ${(error as Error).message}`);
    }
  }
  return { ...(number !== undefined ? { number } : {}), ...(path ? { historyPath: path } : {}), files, warnings };
}

/** A document the run wrote, parsed, with the sha256 of its bytes (what its report's plots are memoised by). */
function readDocument<T>(run: FinishedRun, name: string, warnings: string[]): { document: T; text: string; sha256: string } | undefined {
  const file = run.files.find((f) => f.endsWith(`/${name}`) || f === name);
  if (!file || !existsSync(file)) return undefined;
  try {
    // As text only (the document is megabytes at 10^5 images): our JSON is valid UTF-8, so its sha256 is that of the bytes.
    const text = readFileSync(file, 'utf8');
    return { document: JSON.parse(text) as T, text, sha256: sha256(text) };
  } catch (error) {
    warnings.push(`${file} could not be read (${(error as Error).message}); no report.html`);
    return undefined;
  }
}

/**
 * A multi-class, ordinal or multi-label evaluation's single numbers (metrics.json with a `task`:
 * accuracy, macro auc, kappa, …; no intervals), recorded under their metrics.json names so `runs`
 * and `compare` show them. Binary runs are recorded from evaluation.json instead.
 */
function classMetrics(run: FinishedRun): Record<string, number> {
  const file = run.files.find((f) => f.endsWith('/metrics.json') && !f.endsWith('/cv-metrics.json') && !f.endsWith('/validation-metrics.json'));
  if (!file || !existsSync(file)) return {};
  try {
    const metrics = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (typeof metrics.task !== 'string') return {};
    return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => entry[0] !== 'n' && typeof entry[1] === 'number'));
  } catch {
    return {};
  }
}

/** crossValidate's mean metrics (cv-metrics.json), recorded as cv_<metric>. */
function crossValidationMetrics(run: FinishedRun): Record<string, number> {
  const file = run.files.find((f) => f.endsWith('/cv-metrics.json'));
  if (!file || !existsSync(file)) return {};
  try {
    const cv = JSON.parse(readFileSync(file, 'utf8')) as { mean?: Record<string, number | null>; pooledOutOfFoldAuc?: number };
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(cv.mean ?? {})) if (typeof v === 'number') out[`cv_${k}`] = v;
    if (typeof cv.pooledOutOfFoldAuc === 'number') out.cv_pooledOutOfFoldAuc = cv.pooledOutOfFoldAuc;
    return out;
  } catch {
    return {};
  }
}

/** medpipe's own version, from its package.json. */
export function medpipeVersion(): string | undefined {
  try {
    const manifest = fileURLToPath(new URL('../../package.json', import.meta.url));
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
