/**
 * The run history: one SQLite database (better-sqlite3) that every run of every pipeline appends to.
 * WAL journal plus a busy timeout and one IMMEDIATE transaction per run, so concurrent runs (several
 * processes on one database) queue for the write lock instead of failing or losing a row.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { MedpipeError } from '../base/errors.ts';

export type Database = BetterSqlite3.Database;

/**
 * Where the history lives: the given path, else $MEDPIPE_HISTORY, else runs/history.db beside the
 * cache folder; undefined when turned off (false, or MEDPIPE_HISTORY=off).
 */
export function historyPath(option: string | false | undefined, cacheDir: string): string | undefined {
  if (option === false) return undefined;
  const chosen = option ?? process.env.MEDPIPE_HISTORY;
  if (chosen === 'off') return undefined;
  return resolve(chosen || join(dirname(resolve(cacheDir)), 'runs', 'history.db'));
}

/** Schema versions in order; a database is brought up to the last one when opened. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     number INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id TEXT NOT NULL UNIQUE,
     pipeline TEXT NOT NULL,
     started_at TEXT NOT NULL,
     ms INTEGER NOT NULL,
     ok INTEGER NOT NULL,
     error TEXT,
     seed INTEGER NOT NULL,
     backend TEXT,
     git_commit TEXT,
     git_dirty INTEGER,
     out_dir TEXT,
     cache_hits INTEGER NOT NULL DEFAULT 0,
     medpipe_version TEXT
   );
   CREATE INDEX runs_pipeline ON runs (pipeline, number);
   CREATE TABLE stages (
     run_number INTEGER NOT NULL REFERENCES runs (number) ON DELETE CASCADE,
     position INTEGER NOT NULL,
     stage TEXT NOT NULL,
     kind TEXT NOT NULL,
     cache_key TEXT NOT NULL,
     config TEXT NOT NULL,
     cached INTEGER NOT NULL,
     ms INTEGER NOT NULL,
     summary TEXT,
     PRIMARY KEY (run_number, position)
   );
   CREATE TABLE metrics (
     run_number INTEGER NOT NULL REFERENCES runs (number) ON DELETE CASCADE,
     name TEXT NOT NULL,
     value REAL,
     lower REAL,
     upper REAL,
     interval TEXT,
     PRIMARY KEY (run_number, name)
   );
   CREATE TABLE artifacts (
     run_number INTEGER NOT NULL REFERENCES runs (number) ON DELETE CASCADE,
     path TEXT NOT NULL,
     PRIMARY KEY (run_number, path)
   );
   CREATE TABLE documents (
     run_number INTEGER NOT NULL REFERENCES runs (number) ON DELETE CASCADE,
     name TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (run_number, name)
   );`,
  // Documents by content: a rerun that evaluated nothing new (every stage cached) stores the same
  // evaluation again, megabytes per run at 10^5 predictions; it is kept once and named by its hash.
  `CREATE TABLE bodies (
     hash TEXT PRIMARY KEY,
     body TEXT NOT NULL
   );
   ALTER TABLE documents ADD COLUMN body_hash TEXT REFERENCES bodies (hash);`,
];

/**
 * Opens (creating if needed) the history database at `path`, migrated to the current schema.
 * @example
 *   const db = await openHistory('runs/history.db');
 */
export async function openHistory(path: string, options: { readonly readonly?: boolean } = {}): Promise<Database> {
  const Driver = loadDriver();
  if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: Database;
  try {
    db = new Driver(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: 30_000 });
  } catch (cause) {
    throw new MedpipeError('DATA_NOT_FOUND', `Cannot open the run history ${path}: ${(cause as Error).message}.`, {
      file: path,
      cause,
      fix: options.readonly
        ? 'Run a pipeline first (every run is recorded), or point --history / MEDPIPE_HISTORY at the database.'
        : 'Check that the folder is writable, or set MEDPIPE_HISTORY.',
    });
  }
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  }
  return db;
}

function migrate(db: Database): void {
  // Current already (every open but a database's first): no write lock to wait for behind a concurrent run's insert.
  if ((db.pragma('user_version', { simple: true }) as number) >= MIGRATIONS.length) return;
  // IMMEDIATE: two processes opening a fresh database at once must not both create the tables.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

function loadDriver(): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (cause) {
    throw new MedpipeError(
      'BACKEND_UNAVAILABLE',
      `The run history needs the better-sqlite3 package, which did not load (${(cause as Error).message.split('\n')[0]}).`,
      {
        cause,
        fix: 'Install it with `npm install better-sqlite3@12` (it builds with g++, make and python3), or turn the history off with MEDPIPE_HISTORY=off.',
      },
    );
  }
}
