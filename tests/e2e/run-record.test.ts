// What every run records at its end: the git state taken at its start (the command is started, not
// awaited, while the run goes on), a history row, run.json, the stage index; and a history that
// cannot be written is a warning, never a failed run.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openHistory } from '../../src/history/database.ts';
import { loadMedpipe, logsOf, makeClassFolders, removeDir, runOk, tempDir, type Medpipe } from '../helpers/core.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

const Record = suite<Ctx>('run record: git state, history row, run.json, stage index');

Record.before(async (ctx) => {
  ctx.m = await loadMedpipe();
});
Record.before.each(async (ctx) => {
  ctx.dir = await tempDir('run-record');
});
Record.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();

Record('a run in a git checkout records its commit and dirty flag, run.json and the stage index', async (ctx) => {
  const repo = path.join(ctx.dir, 'project');
  await mkdir(repo, { recursive: true });
  git(repo, 'init', '-q');
  await writeFile(path.join(repo, 'pipeline.ts'), '// v1\n');
  git(repo, 'add', 'pipeline.ts');
  git(repo, 'commit', '-q', '-m', 'v1');
  const head = git(repo, 'rev-parse', 'HEAD');
  await writeFile(path.join(repo, 'pipeline.ts'), '// v2, not committed\n');
  await makeClassFolders(path.join(ctx.dir, 'data'), 3);
  const p = ctx.m.pipeline('record', { seed: 1 }).stage(ctx.m.ingest.folder({ root: path.join(ctx.dir, 'data'), size: [8, 8], channels: 1 }));
  const cacheDir = path.join(repo, 'cache');
  const outDir = path.join(repo, 'out');
  const { events } = await runOk(p, { cacheDir, outDir, baseDir: repo });
  assert.ok(
    logsOf(events).some((m) => /^recorded as run #1 in .*runs\/history\.db/.test(m)),
    logsOf(events).join('\n'),
  );
  const db = await openHistory(path.join(repo, 'runs', 'history.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT git_commit, git_dirty, ok FROM runs').get() as { git_commit: string; git_dirty: number; ok: number };
    assert.equal(row, { git_commit: head, git_dirty: 1, ok: 1 });
    const stages = db.prepare('SELECT stage, cached FROM stages').all();
    assert.equal(stages, [{ stage: 'ingest', cached: 0 }]);
  } finally {
    db.close();
  }
  const report = JSON.parse(await readFile(path.join(outDir, 'run.json'), 'utf8')) as { stages: { stage: string; key: string; cached: boolean }[] };
  assert.equal(
    report.stages.map((s) => [s.stage, s.cached]),
    [['ingest', false]],
  );
  const index = JSON.parse(await readFile(path.join(cacheDir, 'index', 'record', 'ingest.json'), 'utf8')) as { key: string };
  assert.is(index.key, report.stages[0]!.key);

  // Committed: the next run (all cached) records a clean checkout at the new commit.
  git(repo, 'commit', '-q', '-am', 'v2');
  const again = await runOk(p, { cacheDir, outDir, baseDir: repo });
  assert.ok(logsOf(again.events).some((m) => /^recorded as run #2 /.test(m)));
  const db2 = await openHistory(path.join(repo, 'runs', 'history.db'), { readonly: true });
  try {
    const row = db2.prepare('SELECT git_commit, git_dirty, cache_hits FROM runs WHERE number = 2').get();
    assert.equal(row, { git_commit: git(repo, 'rev-parse', 'HEAD'), git_dirty: 0, cache_hits: 1 });
  } finally {
    db2.close();
  }
});

Record('a run outside git records no git state', async (ctx) => {
  await makeClassFolders(path.join(ctx.dir, 'data'), 2);
  const p = ctx.m.pipeline('nogit', { seed: 1 }).stage(ctx.m.ingest.folder({ root: path.join(ctx.dir, 'data'), size: [8, 8], channels: 1 }));
  const history = path.join(ctx.dir, 'history.db');
  await runOk(p, { cacheDir: path.join(ctx.dir, 'cache'), outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir, history });
  const db = await openHistory(history, { readonly: true });
  try {
    assert.equal(db.prepare('SELECT git_commit, git_dirty FROM runs').get(), { git_commit: null, git_dirty: null });
  } finally {
    db.close();
  }
});

Record('a history that cannot be written is a warning; the run succeeds and writes run.json', async (ctx) => {
  await makeClassFolders(path.join(ctx.dir, 'data'), 2);
  const p = ctx.m.pipeline('nohistory', { seed: 1 }).stage(ctx.m.ingest.folder({ root: path.join(ctx.dir, 'data'), size: [8, 8], channels: 1 }));
  // A folder where the database file should be: SQLite cannot open it.
  const history = path.join(ctx.dir, 'taken');
  await mkdir(history);
  const outDir = path.join(ctx.dir, 'out');
  const { events } = await runOk(p, { cacheDir: path.join(ctx.dir, 'cache'), outDir, baseDir: ctx.dir, history });
  const warnings = events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));
  assert.ok(
    warnings.some((m) => m.startsWith(`the run was not recorded in the history ${history}: `)),
    warnings.join('\n'),
  );
  assert.ok(JSON.parse(await readFile(path.join(outDir, 'run.json'), 'utf8')).stages.length === 1);
});

Record.run();
