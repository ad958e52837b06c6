// Crash safety of a large ingest's metadata (docs/data-store.md, store format 2): a listing over the
// 2,000 files from which the key holds a listing object, so every metadata write happens — the
// listing object, the stat cache's snapshot of the folder (one SQLite transaction, killed inside),
// the sample list and record table blobs, the entry and its index. The test counts the boundaries
// (MEDPIPE_CRASH_AFTER=count) and kills a run at every one of them (SIGKILL), the shard jobs' too:
// the listing object is written beside the last shards, and the entry beside the last job records.
// The rerun must finish without meeting anything damaged, decode exactly the files whose job the
// killed run had not finished (recorded, its files remembered), none once the stat cache's
// snapshot or the entry is there, and end with the uninterrupted run's output. Then torn objects
// (truncated blobs, a truncated listing object) are never read as data: the rerun recomputes or
// rereads, same output.
import { existsSync } from 'node:fs';
import { readdir, readFile, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { ENTRY_URL, makeClassFolders, medpipeCli, removeDir, tempDir } from '../helpers/core.ts';

const Meta = suite<{ dir: string }>(
  'metadata crash safety: killed at every write of a large ingest, the rerun decodes only what the killed run had not finished and ends as an uninterrupted run',
);

const PIPELINE = `import { pipeline, ingest } from '${ENTRY_URL}';

export default pipeline('meta', { seed: 3 }).stage(ingest.folder({ root: 'data', size: [8, 8], channels: 1 }));
`;
const PER_CLASS = 1030;
const FILES = 2 * PER_CLASS;
const HOUR_AGO = new Date(Date.now() - 3600_000);

Meta.before(async (ctx) => {
  ctx.dir = await tempDir('meta-crash');
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(path.join(ctx.dir, 'pipeline.ts'), PIPELINE);
  // Old mtimes: outside the stat cache's racy window, so hashes learned by a job are remembered.
  for (const file of await makeClassFolders(path.join(ctx.dir, 'data'), PER_CLASS, { size: 8 })) await utimes(file, HOUR_AGO, HOUR_AGO);
});
Meta.after(async (ctx) => removeDir(ctx.dir));

const run = (dir: string, name: string, env: Record<string, string> = {}) =>
  medpipeCli(['run', 'pipeline.ts', '--plain', '--cache', `cache-${name}`, '--out', `out-${name}`], { cwd: dir, env: { MEDPIPE_CRASH_AFTER: '', ...env } });

/** The ingest entry as the cache serves it: its output hash, and the hashes of its blobs and listing object. */
async function ingestEntry(cacheDir: string) {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  const store = new CacheStore(cacheDir);
  const index = await store.readIndex('meta', 'ingest');
  return index ? await store.get(index.key) : undefined;
}

const filesIn = async (dir: string): Promise<number> => {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (entry.isFile()) n++;
  return n;
};
const objectFile = (cacheDir: string, hash: string) => path.join(cacheDir, 'objects', hash.slice(0, 2), hash);
const decodedOf = (stdout: string) => Number(new RegExp(`${FILES} files: (\\d+) decoded`).exec(stdout)?.[1]);

Meta('every write boundary of a 2,060-file ingest, then torn blobs and a torn listing object', async ({ dir }) => {
  const reference = await run(dir, 'ref', { MEDPIPE_CRASH_AFTER: 'count' });
  assert.is(reference.code, 0, reference.stdout + reference.stderr);
  assert.is(decodedOf(reference.stdout), FILES, reference.stdout);
  const count = Number(/medpipe crash points: (\d+)/.exec(reference.stderr)?.[1]);
  const ref = path.join(dir, 'cache-ref');
  const expected = await ingestEntry(ref);
  assert.ok(expected?.inputs.listing, 'the key holds a listing object');
  // Each shard is written, fsynced and renamed, each job record written and renamed.
  const jobs = 3 * ((await filesIn(path.join(ref, 'objects'))) - 3) + 2 * (await filesIn(path.join(ref, 'ingest-jobs')));
  // The listing object (3), the snapshot (1), the blobs, the entry, the index, run.json: at least 10.
  assert.ok(count - jobs >= 10, `only ${count - jobs} metadata boundaries beside ${jobs} of shard jobs`);

  const sweep = async (n: number): Promise<void> => {
    const killed = await run(dir, `n${n}`, { MEDPIPE_CRASH_AFTER: String(n) });
    assert.is(killed.signal, 'SIGKILL', `crash point ${n} was not reached:\n${killed.stdout}${killed.stderr}`);
    // The stat cache's snapshot replaces the folder's files (rows, or the journal's rows of the
    // jobs: 32 bytes of stats a file) in one transaction: every file and no snapshot, or the
    // snapshot and no file — never a mix, whatever the kill interrupted.
    // Killed before the first job was remembered, a new cache has no stat database yet.
    const dbPath = path.join(dir, `cache-n${n}`, 'stat.sqlite');
    const db = existsSync(dbPath) ? new Database(dbPath, { readonly: true }) : undefined;
    const count = (sql: string) => (db?.prepare(sql).get() as { n: number | null } | undefined)?.n ?? 0;
    const rows = count('SELECT count(*) AS n FROM stat') + count('SELECT sum(length(stats) / 32) AS n FROM journal');
    const snapshot = count('SELECT count(*) AS n FROM listing');
    db?.close();
    assert.ok(snapshot === 0 || rows === 0, `crash point ${n}: the stat cache holds ${rows} rows and ${snapshot} snapshot`);
    if (rows === FILES || snapshot === 1) states.add(`${rows} rows, ${snapshot} snapshot`);
    const rerun = await run(dir, `n${n}`);
    assert.is(rerun.code, 0, `rerun after crash point ${n} failed:\n${rerun.stdout}${rerun.stderr}`);
    assert.not.match(rerun.stdout, /failed verification|warning:/, `crash point ${n}: the rerun met something damaged:\n${rerun.stdout}`);
    const entry = await ingestEntry(path.join(dir, `cache-n${n}`));
    assert.is(entry?.outputHash, expected!.outputHash, `crash point ${n}: another output`);
    assert.is(entry?.key, expected!.key, `crash point ${n}: another key`);
    // Cached (the kill came after the entry), else exactly the files of the jobs the killed run had
    // not finished are decoded (a job's files are remembered, as one row, after its record): none
    // once the snapshot is there.
    if (!/1 cached/.test(rerun.stdout)) {
      assert.is(decodedOf(rerun.stdout), snapshot === 1 ? 0 : FILES - rows, `crash point ${n} (${rows} files remembered): the rerun decoded:\n${rerun.stdout}`);
    }
    await removeDir(path.join(dir, `cache-n${n}`));
    await removeDir(path.join(dir, `out-n${n}`));
  };
  // Two at a time (a 2-core machine); each n has its own cache.
  const states = new Set<string>();
  for (let n = 1; n <= count; n += 2) await Promise.all([sweep(n), ...(n + 1 <= count ? [sweep(n + 1)] : [])]);
  assert.equal(
    [...states].sort(),
    ['0 rows, 1 snapshot', `${FILES} rows, 0 snapshot`],
    `the sweep saw the stat cache with every file and before its snapshot, and after it: ${[...states].join('; ')}`,
  );

  // Torn objects in the reference cache: a truncated sample list or record table fails the entry's
  // check (recomputed from the jobs, no decode); a truncated listing object is not trusted by the
  // stat cache's snapshot (the files are hashed again) and is written anew.
  for (const [what, hash] of [
    ['sample list', expected!.blobs.samples!.hash],
    ['record table', expected!.blobs.table!.hash],
    ['listing object', expected!.inputs.listing!.hash],
  ] as const) {
    const file = objectFile(ref, hash);
    await truncate(file, Math.floor((await readFile(file)).length / 2));
    const rerun = await run(dir, 'ref');
    assert.is(rerun.code, 0, `${what}: ${rerun.stdout}${rerun.stderr}`);
    if (!/1 cached/.test(rerun.stdout)) assert.is(decodedOf(rerun.stdout), 0, `${what} torn: the rerun decoded:\n${rerun.stdout}`);
    const entry = await ingestEntry(ref);
    assert.is(entry?.outputHash, expected!.outputHash, `${what} torn: another output`);
    assert.is(entry?.key, expected!.key, `${what} torn: another key`);
  }
});

Meta.run();
