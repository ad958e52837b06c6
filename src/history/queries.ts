/**
 * Reading the run history back: the list for `medpipe runs`, one run in full for `compare` and
 * `report`, and how a user names a run (its number, `latest`, or its id or an unambiguous prefix).
 */
import { MedpipeError } from '../base/errors.ts';
import type { ClassEvaluationDocument } from '../report/class-evaluation-document.ts';
import type { EvaluationDocument } from '../report/evaluation-document.ts';
import type { Database } from './database.ts';

export interface RunSummary {
  readonly number: number;
  readonly runId: string;
  readonly pipeline: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly ok: boolean;
  readonly seed: number;
  readonly backend: string | null;
  readonly gitCommit: string | null;
  readonly gitDirty: boolean | null;
  readonly cacheHits: number;
  /** Test ROC AUC with its interval, when the run evaluated. */
  readonly auc: { readonly value: number | null; readonly lower: number | null; readonly upper: number | null } | null;
}

export interface StoredRun extends RunSummary {
  readonly error: string | null;
  readonly outDir: string | null;
  readonly medpipeVersion: string | null;
  readonly stages: readonly {
    readonly stage: string;
    readonly kind: string;
    readonly key: string;
    readonly config: unknown;
    readonly cached: boolean;
    readonly ms: number;
    readonly summary: string | null;
  }[];
  readonly metrics: Readonly<Record<string, { readonly value: number | null; readonly lower: number | null; readonly upper: number | null }>>;
  readonly artifacts: readonly string[];
  readonly evaluation?: EvaluationDocument;
  /** class-evaluation.json of a multi-class, ordinal or multi-label run. */
  readonly classEvaluation?: ClassEvaluationDocument;
  readonly images: Readonly<Record<string, string>>;
}

interface RunRow {
  number: number;
  run_id: string;
  pipeline: string;
  started_at: string;
  ms: number;
  ok: number;
  error: string | null;
  seed: number;
  backend: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  out_dir: string | null;
  cache_hits: number;
  medpipe_version: string | null;
  auc: number | null;
  auc_lower: number | null;
  auc_upper: number | null;
}

const SELECT_RUNS = `SELECT r.*, m.value AS auc, m.lower AS auc_lower, m.upper AS auc_upper
  FROM runs r LEFT JOIN metrics m ON m.run_number = r.number AND m.name = 'auc'`;

function summaryOf(row: RunRow): RunSummary {
  return {
    number: row.number,
    runId: row.run_id,
    pipeline: row.pipeline,
    startedAt: row.started_at,
    ms: row.ms,
    ok: row.ok === 1,
    seed: row.seed,
    backend: row.backend,
    gitCommit: row.git_commit,
    gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
    cacheHits: row.cache_hits,
    auc: row.auc === null && row.auc_lower === null ? null : { value: row.auc, lower: row.auc_lower, upper: row.auc_upper },
  };
}

/**
 * Every recorded run, oldest first, optionally of one pipeline.
 * @example
 *   listRuns(db, 'pneumonia').map((r) => r.number);
 */
export function listRuns(db: Database, pipeline?: string): RunSummary[] {
  const rows = (
    pipeline === undefined
      ? db.prepare(`${SELECT_RUNS} ORDER BY r.number`).all()
      : db.prepare(`${SELECT_RUNS} WHERE r.pipeline = ? ORDER BY r.number`).all(pipeline)
  ) as RunRow[];
  return rows.map(summaryOf);
}

/**
 * The number of the run a user named: a run number, `latest` (optionally of a pipeline:
 * `latest:pneumonia`), or a run id or unambiguous prefix of one.
 */
export function resolveRun(db: Database, ref: string): number {
  const notFound = (why: string) =>
    new MedpipeError('DATA_NOT_FOUND', `No run '${ref}' in the history: ${why}.`, {
      fix: 'List the runs with `medpipe runs` and use a number from its first column.',
    });
  if (/^\d+$/.test(ref)) {
    const row = db.prepare('SELECT number FROM runs WHERE number = ?').get(Number(ref)) as { number: number } | undefined;
    if (!row) throw notFound('there is no run with that number');
    return row.number;
  }
  const latest = /^latest(?::(.+))?$/.exec(ref);
  if (latest) {
    const row = (
      latest[1] === undefined
        ? db.prepare('SELECT max(number) AS number FROM runs').get()
        : db.prepare('SELECT max(number) AS number FROM runs WHERE pipeline = ?').get(latest[1])
    ) as { number: number | null };
    if (row.number === null) throw notFound(latest[1] === undefined ? 'the history is empty' : `pipeline '${latest[1]}' has no runs`);
    return row.number;
  }
  const rows = db
    .prepare("SELECT number FROM runs WHERE run_id = ? OR run_id LIKE ? ESCAPE '\\' LIMIT 2")
    .all(ref, `${ref.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { number: number }[];
  if (rows.length === 0) throw notFound('no run number, run id or id prefix matches');
  if (rows.length > 1) throw notFound('the prefix matches more than one run id; give more of it');
  return rows[0]!.number;
}

/** One run with its stages, metrics, artifacts and stored documents. */
export function loadRun(db: Database, number: number): StoredRun {
  const row = db.prepare(`${SELECT_RUNS} WHERE r.number = ?`).get(number) as RunRow | undefined;
  if (!row) throw new MedpipeError('DATA_NOT_FOUND', `No run ${number} in the history.`, { fix: 'List the runs with `medpipe runs`.' });
  const stages = (
    db.prepare('SELECT * FROM stages WHERE run_number = ? ORDER BY position').all(number) as {
      stage: string;
      kind: string;
      cache_key: string;
      config: string;
      cached: number;
      ms: number;
      summary: string | null;
    }[]
  ).map((s) => ({
    stage: s.stage,
    kind: s.kind,
    key: s.cache_key,
    config: JSON.parse(s.config) as unknown,
    cached: s.cached === 1,
    ms: s.ms,
    summary: s.summary,
  }));
  const metrics = Object.fromEntries(
    (
      db.prepare('SELECT name, value, lower, upper FROM metrics WHERE run_number = ? ORDER BY name').all(number) as {
        name: string;
        value: number | null;
        lower: number | null;
        upper: number | null;
      }[]
    ).map((m) => [m.name, { value: m.value, lower: m.lower, upper: m.upper }]),
  );
  const artifacts = (db.prepare('SELECT path FROM artifacts WHERE run_number = ? ORDER BY path').all(number) as { path: string }[]).map((a) => a.path);
  const documents = Object.fromEntries(
    (
      db
        .prepare('SELECT d.name AS name, COALESCE(b.body, d.body) AS body FROM documents d LEFT JOIN bodies b ON b.hash = d.body_hash WHERE d.run_number = ?')
        .all(number) as { name: string; body: string }[]
    ).map((d) => [d.name, d.body]),
  );
  return {
    ...summaryOf(row),
    error: row.error,
    outDir: row.out_dir,
    medpipeVersion: row.medpipe_version,
    stages,
    metrics,
    artifacts,
    ...(documents.evaluation ? { evaluation: JSON.parse(documents.evaluation) as EvaluationDocument } : {}),
    ...(documents['class-evaluation'] ? { classEvaluation: JSON.parse(documents['class-evaluation']) as ClassEvaluationDocument } : {}),
    images: documents.images ? (JSON.parse(documents.images) as Record<string, string>) : {},
  };
}
