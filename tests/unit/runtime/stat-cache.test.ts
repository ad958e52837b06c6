// The stat cache's journal: what a run learns is written one job at a time as one journal row, made
// rows before the next lookup, found again after a kill (the next open makes it rows), and dropped
// by a snapshot that holds its files; a schema-2 database keeps its rows when it gains the journal.
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type BetterSqlite3 from 'better-sqlite3';
import type { FileStat } from '../../../src/data/store/ingest-env.ts';
import { StatCache } from '../../../src/runtime/stat-cache.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const Journal = suite<{ dir: string; files: { absPath: string; stat: FileStat; hash: string }[] }>('stat cache journal');

const statOf = (file: string): FileStat => {
  const s = statSync(file, { bigint: true });
  return { size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, ino: s.ino };
};

/** A file written a minute ago (older than 2 s: not racy). */
function oldFile(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  return file;
}

Journal.before.each(async (ctx) => {
  ctx.dir = await tempDir('stat-cache');
  ctx.files = ['a.png', 'b.png', 'c.png'].map((name, i) => {
    const absPath = oldFile(path.join(ctx.dir, 'data', name), `image ${i}`);
    return { absPath, stat: statOf(absPath), hash: String(i).repeat(64) };
  });
});
Journal.after.each(async (ctx) => removeDir(ctx.dir));

const tables = (cacheDir: string) => {
  const db = new Database(path.join(cacheDir, 'stat.sqlite'), { readonly: true });
  const n = (sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
  const out = {
    rows: n('SELECT count(*) AS n FROM stat'),
    journal: n('SELECT count(*) AS n FROM journal'),
    version: db.pragma('user_version', { simple: true }),
  };
  db.close();
  return out;
};

Journal('one journal row per remember(); a lookup in the same run sees it, as rows', ({ dir, files }) => {
  const cache = new StatCache(path.join(dir, 'cache'));
  cache.remember(files.slice(0, 2));
  cache.remember(files.slice(2));
  assert.equal(tables(path.join(dir, 'cache')), { rows: 0, journal: 2, version: 3 });
  assert.is(cache.known(files[1]!.absPath, files[1]!.stat), files[1]!.hash);
  assert.is(cache.known(files[2]!.absPath, { ...files[2]!.stat, size: files[2]!.stat.size + 1n }), undefined, 'another stat: unknown');
  assert.equal(tables(path.join(dir, 'cache')), { rows: 3, journal: 0, version: 3 });
  cache.save();
});

Journal('after a kill (no save), the next open makes the journal rows: every hash known again', ({ dir, files }) => {
  const killed = new StatCache(path.join(dir, 'cache'));
  killed.remember(files);
  const next = new StatCache(path.join(dir, 'cache'));
  const stats = new BigInt64Array(files.flatMap(({ stat: s }) => [s.size, s.mtimeNs, s.ctimeNs, BigInt.asIntN(64, s.ino)]));
  assert.equal(
    next.knownAll(
      files.map((f) => ({ abs: f.absPath })),
      stats,
    ),
    files.map((f) => f.hash),
  );
  assert.equal(tables(path.join(dir, 'cache')), { rows: 3, journal: 0, version: 3 });
  next.save();
  killed.save();
});

Journal('a file modified within 2 s is not remembered', ({ dir, files }) => {
  const fresh = files[0]!.absPath;
  utimesSync(fresh, new Date(), new Date());
  const cache = new StatCache(path.join(dir, 'cache'));
  cache.remember([{ ...files[0]!, stat: statOf(fresh) }, files[1]!]);
  assert.is(cache.known(fresh, statOf(fresh)), undefined);
  assert.is(cache.known(files[1]!.absPath, files[1]!.stat), files[1]!.hash);
  cache.save();
});

Journal('a snapshot drops the journal rows of its files and makes the others rows', ({ dir, files }) => {
  const cache = new StatCache(path.join(dir, 'cache'));
  const root = path.join(dir, 'data') + '/';
  const outside = oldFile(path.join(dir, 'elsewhere.png'), 'another image');
  cache.remember(files.slice(0, 2));
  cache.remember([files[2]!, { absPath: outside, stat: statOf(outside), hash: 'f'.repeat(64) }]);
  const listed = files.map((f) => ({ abs: f.absPath, rel: path.basename(f.absPath) }));
  const stats = new BigInt64Array(files.flatMap(({ stat: s }) => [s.size, s.mtimeNs, s.ctimeNs, BigInt.asIntN(64, s.ino)]));
  cache.rememberListing(
    root,
    'digest',
    { hash: 'e'.repeat(64), count: 3 },
    listed.map((f) => f.rel),
    { files: listed, stats },
  );
  // The first job's files are the snapshot's: dropped. The second names a file outside it: its two
  // files became rows, and the snapshot then took over the one of its folder (rows dropped as before).
  assert.equal(tables(path.join(dir, 'cache')), { rows: 1, journal: 0, version: 3 });
  cache.save();
  const again = new StatCache(path.join(dir, 'cache'));
  assert.is(again.known(outside, statOf(outside)), 'f'.repeat(64));
  again.save();
});

Journal('a schema-2 database gains the journal and keeps its rows', ({ dir, files }) => {
  const cacheDir = path.join(dir, 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const db = new Database(path.join(cacheDir, 'stat.sqlite'));
  db.exec('CREATE TABLE stat (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, ino INTEGER, ctime INTEGER, hash BLOB) WITHOUT ROWID');
  db.exec('CREATE TABLE listing (root TEXT PRIMARY KEY, digest TEXT, object TEXT, count INTEGER, prefix TEXT, stats BLOB)');
  const { absPath, stat: s, hash } = files[0]!;
  db.prepare('INSERT INTO stat VALUES (?, ?, ?, ?, ?, ?)').run(absPath, s.size, s.mtimeNs, BigInt.asIntN(64, s.ino), s.ctimeNs, Buffer.from(hash, 'hex'));
  db.pragma('user_version = 2');
  db.close();
  const cache = new StatCache(cacheDir);
  assert.is(cache.known(absPath, s), hash);
  assert.equal(tables(cacheDir), { rows: 1, journal: 0, version: 3 });
  cache.save();
});

Journal('a new cache: lookups make no database; the first remember() does, and a later lookup uses it', async ({ dir, files }) => {
  const cacheDir = path.join(dir, 'cache');
  const cache = new StatCache(cacheDir);
  await cache.load();
  cache.preload(); // better-sqlite3 loaded while a folder is scanned: no database made
  cache.prime(path.join(dir, 'data') + '/');
  assert.is(cache.known(files[0]!.absPath, files[0]!.stat), undefined);
  assert.equal(cache.knownAll([{ abs: files[0]!.absPath }], new BigInt64Array(4)), [undefined]);
  assert.is(cache.listingFor(path.join(dir, 'data') + '/', 'digest'), undefined);
  assert.not.ok(existsSync(path.join(cacheDir, 'stat.sqlite')), 'nothing looked up makes the database');
  cache.remember(files);
  assert.ok(existsSync(path.join(cacheDir, 'stat.sqlite')));
  assert.is(cache.known(files[0]!.absPath, files[0]!.stat), files[0]!.hash);
  await cache.save();
  // A session's next run (watch mode) finds the database it made.
  await cache.load();
  assert.is(cache.known(files[1]!.absPath, files[1]!.stat), files[1]!.hash);
  await cache.save();
});

Journal.run();
