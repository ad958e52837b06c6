/**
 * Turns a finished (or failed) run into rows of the history: the run, its stages with cache keys and
 * configs, its metrics with intervals, its artifacts, and the documents a report is rebuilt from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { canonicalJson, sha256 } from '../base/canonical.ts';
import { commandOutput } from '../io/command-output.ts';
import type { ClassEvaluationDocument } from '../report/class-evaluation-document.ts';
import type { EvaluationDocument } from '../report/evaluation-document.ts';
import type { Database } from './database.ts';

export interface RunRecord {
  readonly runId: string;
  readonly pipeline: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly seed: number;
  readonly backend?: string;
  readonly git?: GitState;
  readonly outDir?: string;
  readonly cacheHits: number;
  readonly medpipeVersion?: string;
  readonly stages: readonly {
    readonly stage: string;
    readonly kind: string;
    readonly key: string;
    readonly config: unknown;
    readonly cached: boolean;
    readonly ms: number;
    readonly summary?: string;
  }[];
  /** Output files (absolute); stored relative to outDir. */
  readonly files: readonly string[];
  /** evaluation.json of an evaluate stage, when the run has one. */
  readonly evaluation?: EvaluationDocument;
  /** `evaluation` as JSON text, when the caller has it (evaluation.json's bytes): stored as is, not serialised again. */
  readonly evaluationJson?: string;
  /** sha256 of `evaluationJson`, when the caller has it: the document's name in the history, not hashed again. */
  readonly evaluationSha256?: string;
  /** class-evaluation.json of a multi-class, ordinal or multi-label evaluate stage (no sample ids, file names or group keys). */
  readonly classEvaluation?: ClassEvaluationDocument;
  /** Other metrics (e.g. cross-validation means) by name. */
  readonly extraMetrics?: Readonly<Record<string, number>>;
  /** Pictures the report shows (Grad-CAM), kept so a later `medpipe report` does not depend on out/. */
  readonly images?: Readonly<Record<string, string>>;
}

export interface GitState {
  readonly commit: string;
  readonly dirty: boolean;
}

/** The commit checked out in `dir` and whether tracked files differ from it; undefined outside git. */
export async function gitState(dir: string): Promise<GitState | undefined> {
  // Asynchronous: a run starts the command and goes on with its stages while it runs. One command,
  // not rev-parse and status: each start of a command costs this thread (commandOutput). It shares
  // the cores with the stages, so it does no more than the two answers need: no ahead/behind count
  // against an upstream (a walk of history), no rewrite of the index it refreshed.
  const { ok, stdout } = await commandOutput(
    'git',
    ['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '--no-ahead-behind', '--untracked-files=no'],
    dir,
    10_000,
  );
  const lines = ok ? stdout.split('\n').filter((line) => line.length > 0) : [];
  // "# branch.oid <commit>", or "(initial)" before the first commit (no HEAD: as outside git).
  const commit = lines.find((line) => line.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
  if (!commit || commit === '(initial)') return undefined;
  return { commit, dirty: lines.some((line) => !line.startsWith('#')) };
}

/** Reads files the report embeds (Grad-CAM PNGs) as base64, by path relative to outDir. */
export function imagesOf(
  outDir: string,
  evaluation: { readonly gradCam?: { readonly examples: readonly { readonly file: string }[] } } | undefined,
): Record<string, string> {
  const images: Record<string, string> = {};
  for (const example of evaluation?.gradCam?.examples ?? []) {
    const path = `${outDir}/${example.file}`;
    if (existsSync(path)) images[example.file] = readFileSync(path).toString('base64');
  }
  return images;
}

/**
 * Inserts one run in one IMMEDIATE transaction (waits for concurrent writers up to the busy
 * timeout); returns the run's number.
 * @example
 *   const number = insertRun(db, record); // medpipe report <number>
 */
export function insertRun(db: Database, record: RunRecord): number {
  const insert = db.transaction((): number => {
    const run = db
      .prepare(
        `INSERT INTO runs (run_id, pipeline, started_at, ms, ok, error, seed, backend, git_commit, git_dirty, out_dir, cache_hits, medpipe_version)
         VALUES (@runId, @pipeline, @startedAt, @ms, @ok, @error, @seed, @backend, @commit, @dirty, @outDir, @cacheHits, @version)`,
      )
      .run({
        runId: record.runId,
        pipeline: record.pipeline,
        startedAt: record.startedAt,
        ms: Math.round(record.ms),
        ok: record.ok ? 1 : 0,
        error: record.error ?? null,
        seed: record.seed,
        backend: record.backend ?? null,
        commit: record.git?.commit ?? null,
        dirty: record.git ? (record.git.dirty ? 1 : 0) : null,
        outDir: record.outDir ?? null,
        cacheHits: record.cacheHits,
        version: record.medpipeVersion ?? null,
      });
    const number = Number(run.lastInsertRowid);
    const stage = db.prepare(
      'INSERT INTO stages (run_number, position, stage, kind, cache_key, config, cached, ms, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    record.stages.forEach((s, i) =>
      stage.run(number, i, s.stage, s.kind, s.key, canonicalJson(s.config), s.cached ? 1 : 0, Math.round(s.ms), s.summary ?? null),
    );
    const metric = db.prepare('INSERT INTO metrics (run_number, name, value, lower, upper, interval) VALUES (?, ?, ?, ?, ?, ?)');
    for (const row of metricRows(record)) metric.run(number, row.name, finite(row.value), finite(row.lower), finite(row.upper), row.interval ?? null);
    const artifact = db.prepare('INSERT OR IGNORE INTO artifacts (run_number, path) VALUES (?, ?)');
    for (const file of record.files) artifact.run(number, record.outDir ? relative(record.outDir, file) : file);
    const known = db.prepare('SELECT 1 FROM bodies WHERE hash = ?').pluck();
    const body = db.prepare('INSERT INTO bodies (hash, body) VALUES (?, ?)');
    const document = db.prepare("INSERT INTO documents (run_number, name, body, body_hash) VALUES (?, ?, '', ?)");
    const store = (name: string, text: string, hash = sha256(text)) => {
      // A rerun stores the same documents again (megabytes at 10^5 predictions): a body already kept is not handed to SQLite again.
      if (known.get(hash) === undefined) body.run(hash, text);
      document.run(number, name, hash);
    };
    if (record.evaluation)
      store(
        'evaluation',
        record.evaluationJson ?? JSON.stringify(record.evaluation),
        record.evaluationJson !== undefined ? record.evaluationSha256 : undefined,
      );
    if (record.classEvaluation) store('class-evaluation', JSON.stringify(record.classEvaluation));
    if (record.images && Object.keys(record.images).length > 0) store('images', JSON.stringify(record.images));
    return number;
  });
  return insert.immediate();
}

interface MetricRow {
  readonly name: string;
  readonly value: number | null | undefined;
  readonly lower?: number | null;
  readonly upper?: number | null;
  readonly interval?: string;
}

/** One row per metric: the estimate and its BCa interval (percentile where BCa is undefined). */
function metricRows(record: RunRecord): MetricRow[] {
  const rows: MetricRow[] = [];
  const e = record.evaluation;
  if (e) {
    for (const [name, ci] of Object.entries(e.clinical.intervals)) {
      const chosen = ci.bca ?? ci.percentile;
      rows.push({ name, value: ci.estimate, lower: chosen?.lower, upper: chosen?.upper, interval: JSON.stringify(ci) });
    }
    rows.push({ name: 'threshold', value: e.threshold.value });
  }
  for (const [name, value] of Object.entries(record.extraMetrics ?? {})) rows.push({ name, value });
  return rows;
}

/** SQLite stores NaN as NULL anyway; make that explicit (and keep ±Infinity out). */
function finite(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
