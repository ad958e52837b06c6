/**
 * The stat cache: content hashes of input files, remembered with each file's size, mtime, ctime and
 * inode (like git's index), in SQLite (`<cache>/stat.sqlite`, WAL, schema 2). Two forms:
 *
 * - **Rows** (path → stat, hash), looked up one file at a time. What a run learns is first written
 *   one finished ingest job at a time as one **journal** row (the job's paths, stats and hashes as
 *   three values: a statement per job, not per file), so a run killed at any moment loses at most
 *   the job in flight. The journal becomes rows before anything is looked up again (and when the
 *   database is next opened, after a kill); a snapshot that covers a journal row's files drops it.
 * - **Listing snapshots**, one per root folder of a large listing: the listing object's hash (it
 *   holds every file's path and content hash: runtime/listing-object.ts) and the files' stats in
 *   its order, delta-coded and deflated (a few bytes a file). Written when a listing is keyed with
 *   every hash known; the rows of its files are then dropped. A file's hash is thus stored once,
 *   in the listing object, and a listing of 10^5 files is primed with one read of two blobs
 *   instead of 10^5 rows.
 *
 * A file modified within the last 2 s is hashed but not remembered (a second write in the same
 * mtime tick would go unseen: git's "racy" case).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type BetterSqlite3 from 'better-sqlite3';
import { crashPoint } from '../base/crash-point.ts';
import { objectPath } from '../base/object-store.ts';
import { indexOfSorted } from '../base/sorted.ts';
import type { FileIndex, FileStat, ListedFiles } from '../data/store/ingest-env.ts';
import { decodeListingParts, listingValue, type DecodedListing } from './listing-object.ts';

/** A remembered file: its stat as one string (see stampOf) and its content hash in hex. */
type Row = { stamp: string; hex: string };

/**
 * A file's size, mtime, inode and ctime as one string, exactly as SQLite prints the stored integers:
 * comparing one string per file is what lets a listing of 10^5 files be checked in a blink (rows
 * read as four BigInts and a Buffer each cost ~20 µs a file, most of a no-op rerun).
 */
const stampOf = (s: FileStat) => `${s.size}:${s.mtimeNs}:${BigInt.asIntN(64, s.ino)}:${s.ctimeNs}`;
const STAMP = "size || ':' || mtime || ':' || ino || ':' || ctime AS stamp, lower(hex(hash)) AS hex";

const RACY_MS = 2000;
/**
 * Schema 3: listing snapshots and the journal. Schema 2 (no journal) gains the journal table in
 * place; a database of another schema is started afresh (it only remembers hashes).
 */
const SCHEMA = 3;

/** What remember() was given: written to the journal, not yet made rows. */
type Learned = readonly { readonly absPath: string; readonly stat: FileStat; readonly hash: string }[];

const STATS_MAGIC = 'MPST';

/**
 * A listing's stats in its object's order (size, mtime ns, ctime ns, inode per file; -1 for entries
 * that are no file) as bytes: each 64-bit value as two 32-bit halves, by column, each half the
 * zigzagged difference from the file before (mostly small numbers), deflated. 32-bit arithmetic
 * throughout: no BigInt per value.
 */
function encodeStats(stats: BigInt64Array): Uint8Array {
  const halves = new Int32Array(stats.buffer, stats.byteOffset, stats.length * 2);
  const n = stats.length / 4;
  const out = new Int32Array(halves.length);
  for (let c = 0; c < 8; c++) {
    let last = 0;
    for (let i = 0; i < n; i++) {
      const v = halves[i * 8 + c]!;
      const d = (v - last) | 0;
      out[c * n + i] = (d << 1) ^ (d >> 31);
      last = v;
    }
  }
  // Level 1: a local cache on the main thread, where level 6 took several times as long for a few % smaller.
  return Buffer.concat([Buffer.from(STATS_MAGIC, 'latin1'), deflateRawSync(new Uint8Array(out.buffer), { level: 1 })]);
}

function decodeStats(bytes: Uint8Array, n: number): BigInt64Array | undefined {
  if (Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') !== STATS_MAGIC) return undefined;
  const raw = inflateRawSync(bytes.subarray(4));
  if (raw.byteLength !== n * 32) return undefined;
  const zigzag = new Int32Array(new Uint8Array(raw).buffer);
  const stats = new BigInt64Array(n * 4);
  const halves = new Int32Array(stats.buffer);
  for (let c = 0; c < 8; c++) {
    let last = 0;
    for (let i = 0; i < n; i++) {
      const z = zigzag[c * n + i]!;
      last = (last + ((z >>> 1) ^ -(z & 1))) | 0;
      halves[i * 8 + c] = last;
    }
  }
  return stats;
}

/** better-sqlite3, loaded on first use (a few ms: its module and native addon). */
const sqlite = () => createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

const JOURNAL_TABLE = 'CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, paths TEXT, stats BLOB, hashes BLOB)';

/** A journal row's files: paths joined by NUL, 4 int64 a file (size, mtime ns, inode, ctime ns), 32 hash bytes a file. */
function journalRows(row: { readonly paths: string; readonly stats: Buffer; readonly hashes: Buffer }): Learned {
  const paths = row.paths.split('\0');
  const stats = new BigInt64Array(new Uint8Array(row.stats).buffer);
  if (stats.length !== paths.length * 4 || row.hashes.byteLength !== paths.length * 32) return []; // not ours: nothing learned
  return paths.map((absPath, i) => ({
    absPath,
    stat: { size: stats[i * 4]!, mtimeNs: stats[i * 4 + 1]!, ino: BigInt.asUintN(64, stats[i * 4 + 2]!), ctimeNs: stats[i * 4 + 3]! },
    hash: row.hashes.toString('hex', i * 32, i * 32 + 32),
  }));
}

function dropJournal(db: BetterSqlite3.Database, entries: readonly { readonly seq: number }[]): void {
  if (entries.length > 0) db.prepare('DELETE FROM journal WHERE seq IN (SELECT value FROM json_each(?))').run(JSON.stringify(entries.map((e) => e.seq)));
}

/** A primed listing snapshot: its listing object's paths and hashes, the prefix that makes a path absolute, the stats in the same order. */
interface Snapshot {
  readonly prefix: string;
  readonly parts: DecodedListing;
  readonly stats: BigInt64Array;
  /** The stats as 32-bit halves (8 a file), compared without making a BigInt per value. */
  readonly halves: Int32Array;
  /** Absolute path → index, built on the first single lookup (knownAll walks the sorted paths instead). */
  index?: Map<string, number>;
}

/** Index of `key` in the sorted `keys`, starting the search at `from` (a walk over sorted keys is then one pass); -1 when absent. */
function findSorted(keys: readonly string[], key: string, from: number): number {
  if (from < keys.length && keys[from] === key) return from;
  if (from < keys.length && keys[from]! < key && (from + 1 >= keys.length || keys[from + 1]! >= key)) return keys[from + 1] === key ? from + 1 : -1;
  return indexOfSorted(keys, key);
}

export class StatCache implements FileIndex {
  private db?: BetterSqlite3.Database;
  private lookup?: BetterSqlite3.Statement<[string], Row>;
  private range?: BetterSqlite3.Statement<[string, string], Row & { path: string }>;
  /** Rows loaded by prime(), and the folders they cover. */
  private readonly primed = new Map<string, Row>();
  private readonly primedFolders: string[] = [];
  private upsert?: BetterSqlite3.Statement<[string, bigint, bigint, bigint, bigint, Buffer]>;
  private readonly snapshots: Snapshot[] = [];
  /** Set once asked: whether the cache had no database (then nothing is looked up until one is made). */
  private absent?: boolean;
  private journalInsert?: BetterSqlite3.Statement<[string, Buffer, Buffer]>;
  /** This run's journal entries not yet made rows or dropped by a snapshot. */
  private readonly journal: { readonly seq: number; readonly rows: Learned }[] = [];
  /** How many files were read to be hashed on this run (every hash learned is one read; tests assert on it). */
  reads = 0;

  constructor(private readonly cacheDir: string) {}

  private open(): BetterSqlite3.Database {
    if (this.db) return this.db;
    this.absent = false;
    mkdirSync(this.cacheDir, { recursive: true });
    const path = join(this.cacheDir, 'stat.sqlite');
    const fresh = () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    };
    try {
      return this.connect(path, fresh);
    } catch {
      // Not a database any more (damaged, overwritten): it only remembers hashes, start it afresh.
      fresh();
      return this.connect(path, fresh);
    }
  }

  private connect(path: string, fresh: () => void): BetterSqlite3.Database {
    const Database = sqlite();
    let db = new Database(path, { timeout: 10_000 });
    // First: a new database's schema is then written without an fsync per statement (three, each
    // 5–30 ms on this thread before a first run could list its files).
    db.pragma('synchronous = NORMAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 2) {
      // Schema 2's rows and snapshots stay: a cache of 10^5 files is not hashed again for a journal.
      db.transaction(() => {
        db.exec(JOURNAL_TABLE);
        db.pragma(`user_version = ${SCHEMA}`);
      })();
    } else if (version !== SCHEMA) {
      if (db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()!.n > 0) {
        // Schema 1 (rows only, no snapshots): started afresh, so auto_vacuum can be set.
        db.close();
        fresh();
        db = new Database(path, { timeout: 10_000 });
        db.pragma('synchronous = NORMAL');
      }
      // Rows dropped when a snapshot takes them over give their pages back to the file.
      db.pragma('auto_vacuum = FULL');
      db.pragma('journal_mode = WAL');
      // One transaction: the tables and the schema number land together (a kill between them left
      // tables without a number, started afresh on the next open as schema 1 is).
      db.transaction(() => {
        // Integers (nanosecond times fit in SQLite's 64 bits) and the hash as 32 bytes.
        db.exec('CREATE TABLE IF NOT EXISTS stat (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, ino INTEGER, ctime INTEGER, hash BLOB) WITHOUT ROWID');
        // One large listing per root folder: its digest (paths and stats), the key object it gave, and
        // its snapshot (abs = prefix + the object's path; stats in the object's order).
        db.exec('CREATE TABLE IF NOT EXISTS listing (root TEXT PRIMARY KEY, digest TEXT, object TEXT, count INTEGER, prefix TEXT, stats BLOB)');
        db.exec(JOURNAL_TABLE);
        db.pragma(`user_version = ${SCHEMA}`);
      })();
    }
    this.lookup = db.prepare<[string], Row>(`SELECT ${STAMP} FROM stat WHERE path = ?`);
    this.upsert = db.prepare('INSERT OR REPLACE INTO stat (path, size, mtime, ino, ctime, hash) VALUES (?, ?, ?, ?, ?, ?)');
    this.range = db.prepare<[string, string], Row & { path: string }>(`SELECT path, ${STAMP} FROM stat WHERE path >= ? AND path < ?`);
    this.journalInsert = db.prepare('INSERT INTO journal (paths, stats, hashes) VALUES (?, ?, ?)');
    this.db = db;
    // A run killed before its snapshot (or one that wrote none) left its jobs' files in the journal.
    const left = db.prepare<[], { seq: number; paths: string; stats: Buffer; hashes: Buffer }>('SELECT seq, paths, stats, hashes FROM journal').all();
    if (left.length > 0) this.toRows(left.map((row) => ({ seq: row.seq, rows: journalRows(row) })));
    return db;
  }

  /**
   * Journal entries made rows, in one transaction, their journal rows deleted in it. Before the
   * database answers a lookup, so that nothing remembered is missed.
   */
  private toRows(entries: readonly { readonly seq: number; readonly rows: Learned }[]): void {
    const db = this.db!;
    db.transaction(() => {
      for (const { rows } of entries) {
        for (const { absPath, stat: s, hash } of rows) {
          if (this.primed.size > 0 || this.primedFolders.length > 0) this.primed.set(absPath, { stamp: stampOf(s), hex: hash });
          this.upsert!.run(absPath, s.size, s.mtimeNs, BigInt.asIntN(64, s.ino), s.ctimeNs, Buffer.from(hash, 'hex'));
        }
      }
      dropJournal(db, entries);
    })();
  }

  /** This run's journal entries made rows (see toRows); a lookup comes next. */
  private settle(): BetterSqlite3.Database {
    const db = this.open();
    if (this.journal.length > 0) this.toRows(this.journal.splice(0));
    return db;
  }

  /**
   * Whether there is no database yet (a new cache): nothing is known, and it is made when something
   * is first remembered, not before the run's first files could be listed.
   */
  private none(): boolean {
    if (this.db) return false;
    this.absent ??= !existsSync(join(this.cacheDir, 'stat.sqlite'));
    return this.absent;
  }

  /**
   * Opens the database when there is one. A new cache's is made by the first remember(), while the
   * first jobs decode: made before, it kept a first run's listing waiting (~15 ms on this thread).
   */
  async load(): Promise<void> {
    if (!this.none()) this.open();
  }

  /**
   * Loads better-sqlite3 for a cache that has no database yet, without making one: called while the
   * folder is scanned (on other threads; this one waits there), so that the first remember() only
   * makes the database. A failure is left for open() to report.
   */
  preload(): void {
    if (!this.none()) return;
    try {
      sqlite();
    } catch {
      // open() reports it
    }
  }

  prime(folder: string): void {
    if (this.none()) return;
    this.settle();
    if (this.primedFolders.some((f) => folder.startsWith(f))) return;
    // Paths under `folder` sort between it and the same string with its last character bumped.
    const end = folder.slice(0, -1) + String.fromCharCode(folder.charCodeAt(folder.length - 1) + 1);
    for (const row of this.range!.iterate(folder, end)) this.primed.set(row.path, { stamp: row.stamp, hex: row.hex });
    this.primedFolders.push(folder);
    const snapshot = this.readSnapshot(folder);
    if (snapshot) this.snapshots.push(snapshot);
  }

  /** The snapshot remembered for `root`, when its listing object is still in the cache and intact. */
  private readSnapshot(root: string): Snapshot | undefined {
    const row = this.db!.prepare<[string], { object: string; count: number; prefix: string | null; stats: Buffer | null }>(
      'SELECT object, count, prefix, stats FROM listing WHERE root = ?',
    ).get(root);
    if (!row || row.prefix === null || !row.stats) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(objectPath(join(this.cacheDir, 'objects'), row.object));
    } catch {
      return undefined; // removed by `clean`: the files are read again
    }
    // The hashes it hands out become keys: a damaged object is never trusted (a few ms for 10^5 files).
    if (createHash('sha256').update(bytes).digest('hex') !== row.object) return undefined;
    const parts = decodeListingParts(bytes);
    const stats = parts && parts.keys.length === row.count ? decodeStats(row.stats, row.count) : undefined;
    if (!parts || !stats) return undefined;
    return { prefix: row.prefix, parts, stats, halves: new Int32Array(stats.buffer) };
  }

  /**
   * known() for a whole listing at once: `stats` holds statAll's numbers (4 per file, in the files'
   * order). The snapshot's stats are compared as 32-bit halves and its paths walked in order, so
   * 10^5 files cost neither a BigInt nor a map entry each.
   */
  knownAll(files: readonly { readonly abs: string; readonly rel?: string }[], stats: BigInt64Array, under?: string): (string | undefined)[] {
    const out: (string | undefined)[] = new Array(files.length).fill(undefined);
    if (this.none()) return out;
    this.settle();
    const halves = new Int32Array(stats.buffer, stats.byteOffset, stats.length * 2);
    const cursor = this.snapshots.map(() => 0);
    // With no rows under the primed folders (a snapshot took them over), a file under them has none.
    const noRows = this.primed.size === 0;
    // Every file under a primed folder, by its listing's folder (Listing.under): no path looked at.
    const allPrimed = under !== undefined && this.primedFolders.some((folder) => under.startsWith(folder));
    // A snapshot of that same folder: its paths are the files' relative ones.
    const byRel = this.snapshots.map((snap) => under !== undefined && snap.prefix === under);
    for (let f = 0; f < files.length; f++) {
      if (halves[f * 8] === -1 && halves[f * 8 + 1] === -1) continue; // gone
      const abs = files[f]!.abs;
      const primed = allPrimed || this.primedFolders.some((folder) => abs.startsWith(folder));
      const row = primed ? (noRows ? undefined : this.primed.get(abs)) : this.lookup!.get(abs);
      if (row && row.stamp === `${stats[f * 4]}:${stats[f * 4 + 1]}:${stats[f * 4 + 3]}:${stats[f * 4 + 2]}`) {
        out[f] = row.hex;
        continue;
      }
      for (let k = 0; k < this.snapshots.length && out[f] === undefined; k++) {
        const snap = this.snapshots[k]!;
        const rel = byRel[k] ? files[f]!.rel! : undefined;
        if (rel === undefined && !abs.startsWith(snap.prefix)) continue;
        // Walking in step with the sorted paths: the next path is usually this one (no slice made).
        const keys = snap.parts.keys;
        const next = cursor[k]! + (f > 0 ? 1 : 0);
        const key = keys[next];
        const i =
          rel !== undefined
            ? key === rel
              ? next
              : findSorted(keys, rel, cursor[k]!)
            : key !== undefined && abs.length === snap.prefix.length + key.length && abs.endsWith(key)
              ? next
              : findSorted(keys, abs.slice(snap.prefix.length), cursor[k]!);
        if (i < 0) continue;
        cursor[k] = i;
        let same = true;
        for (let h = 0; h < 8 && same; h++) same = snap.halves[i * 8 + h] === halves[f * 8 + h];
        if (same) out[f] = listingValue(snap.parts, i);
      }
    }
    return out;
  }

  known(absPath: string, s: FileStat): string | undefined {
    if (this.none()) return undefined;
    this.settle();
    const row = this.primedFolders.some((f) => absPath.startsWith(f)) ? this.primed.get(absPath) : this.lookup!.get(absPath);
    if (row && row.stamp === stampOf(s)) return row.hex;
    for (const snap of this.snapshots) {
      const { parts, stats } = snap;
      if (!snap.index) {
        snap.index = new Map();
        for (let i = 0; i < parts.keys.length; i++) if (stats[i * 4]! >= 0n) snap.index.set(snap.prefix + parts.keys[i]!, i);
      }
      const i = snap.index.get(absPath);
      if (i === undefined) continue;
      const at = i * 4;
      if (stats[at] === s.size && stats[at + 1] === s.mtimeNs && stats[at + 2] === s.ctimeNs && stats[at + 3] === BigInt.asIntN(64, s.ino))
        return listingValue(parts, i);
    }
    return undefined;
  }

  /**
   * The deflated paths of a primed snapshot's listing object whose paths are `keys` (a rerun with
   * the same files, some changed): the new listing object reuses them instead of deflating again.
   */
  deflatedPaths(keys: readonly string[]): Uint8Array | undefined {
    for (const { parts } of this.snapshots) {
      if (parts.keys.length !== keys.length) continue;
      let i = 0;
      while (i < keys.length && parts.keys[i] === keys[i]) i++;
      if (i === keys.length) return parts.deflatedPaths;
    }
    return undefined;
  }

  listingFor(root: string, digest: string): { hash: string; count: number } | undefined {
    if (this.none()) return undefined;
    const row = this.open()
      .prepare<[string, string], { object: string; count: number }>('SELECT object, count FROM listing WHERE root = ? AND digest = ?')
      .get(root, digest);
    return row ? { hash: row.object, count: row.count } : undefined;
  }

  /**
   * Remembers a large listing under `root` by its digest. With `files` (every listed file with its
   * stat; `keys`, the listing object's paths in order) it becomes the root's snapshot and the rows
   * of those files are dropped: their hashes are in the listing object.
   */
  rememberListing(
    root: string,
    digest: string,
    listing: { readonly hash: string; readonly count: number },
    keys?: readonly string[],
    files?: ListedFiles,
  ): void {
    const db = this.open();
    const snapshot = keys && files ? snapshotOf(keys, files) : undefined;
    // The journal entries whose files the snapshot holds are dropped with it; the others become rows.
    const covered = snapshot ? this.journal.filter((entry) => entry.rows.every((row) => snapshot.holds(row.absPath))) : [];
    const rest = this.journal.filter((entry) => !covered.includes(entry));
    this.journal.length = 0;
    if (rest.length > 0) this.toRows(rest);
    db.transaction(() => {
      db.prepare('INSERT OR REPLACE INTO listing (root, digest, object, count, prefix, stats) VALUES (?, ?, ?, ?, ?, ?)').run(
        root,
        digest,
        listing.hash,
        listing.count,
        snapshot?.prefix ?? null,
        snapshot ? Buffer.from(snapshot.stats) : null,
      );
      if (!snapshot) return;
      dropJournal(db, covered);
      const end = root.slice(0, -1) + String.fromCharCode(root.charCodeAt(root.length - 1) + 1);
      // Usually none on a rerun (the last snapshot took them over) but the files read since; on a
      // first run every file's, remembered job by job. Dropped in one statement, in SQLite (the
      // rows read back into JavaScript and deleted one by one cost ~5 µs a file, most of it
      // formatting stamps that were never used).
      if (db.prepare<[string, string]>('SELECT 1 FROM stat WHERE path >= ? AND path < ? LIMIT 1').get(root, end) !== undefined) {
        db.prepare<[string, string, string]>('DELETE FROM stat WHERE path >= ? AND path < ? AND path IN (SELECT value FROM json_each(?))').run(
          root,
          end,
          JSON.stringify(files!.files.map((f) => f.abs)),
        );
      }
      // A kill here, mid-transaction, must leave the rows and the old snapshot as they were (tested).
      crashPoint('write');
    })();
  }

  /** Remembers the rows as one journal row (one statement for an ingest job's files); they become rows before the next lookup. */
  remember(rows: Learned): void {
    if (rows.length === 0) return;
    this.open();
    this.reads += rows.length;
    // Racy when modified in the last 2 s (whole milliseconds, as before); one BigInt compare a file.
    const racyFrom = BigInt(Date.now() - RACY_MS) * 1_000_000n;
    const kept = rows.filter((row) => row.stat.mtimeNs < racyFrom);
    if (kept.length === 0) return;
    const stats = new BigInt64Array(kept.length * 4);
    for (let i = 0; i < kept.length; i++) {
      const s = kept[i]!.stat;
      stats[i * 4] = s.size;
      stats[i * 4 + 1] = s.mtimeNs;
      stats[i * 4 + 2] = BigInt.asIntN(64, s.ino);
      stats[i * 4 + 3] = s.ctimeNs;
    }
    const { lastInsertRowid } = this.journalInsert!.run(
      kept.map((row) => row.absPath).join('\0'),
      Buffer.from(stats.buffer),
      Buffer.from(kept.map((row) => row.hash).join(''), 'hex'),
    );
    this.journal.push({ seq: Number(lastInsertRowid), rows: kept });
  }

  /** A file's content hash: from the cache when its stat is unchanged, else read, hashed and remembered. */
  async hash(absPath: string): Promise<string> {
    const info = await stat(absPath, { bigint: true });
    const s: FileStat = { size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs, ino: info.ino };
    const cached = this.known(absPath, s);
    if (cached) return cached;
    const bytes = await readFile(absPath);
    const hash = createHash('sha256').update(bytes).digest('hex');
    this.remember([{ absPath, stat: s, hash }]);
    return hash;
  }

  /** Forgets the rows and snapshots prime() loaded: they serve one listing's fingerprint, not the rest of a run. */
  release(): void {
    this.primed.clear();
    this.primedFolders.length = 0;
    this.snapshots.length = 0;
  }

  /** Rows are written as they come; this closes the database at the end of a run. */
  async save(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.release();
  }
}

/**
 * The snapshot of a listing: the prefix that makes each relative path absolute, and every key's
 * stat (statAll's numbers, 4 per file in the files' order) in the listing object's order;
 * undefined when the files do not share one prefix or miss a stat.
 */
function snapshotOf(keys: readonly string[], listed: ListedFiles): { prefix: string; stats: Uint8Array; holds(absPath: string): boolean } | undefined {
  const { files, stats, under } = listed;
  const first = files[0];
  if (!first || !first.abs.endsWith(first.rel) || stats.length !== files.length * 4) return undefined;
  const prefix = under ?? first.abs.slice(0, first.abs.length - first.rel.length);
  // Checked as 32-bit halves and string ends: no BigInt nor joined path a file (little-endian: a size's high half is at 8j + 1).
  // With `under`, every abs is prefix + rel as listed: not looked at.
  const statHalves = new Int32Array(stats.buffer, stats.byteOffset, stats.length * 2);
  for (let j = 0; j < files.length; j++) {
    if (statHalves[j * 8 + 1]! < 0) return undefined;
    if (under !== undefined) continue;
    const { abs, rel } = files[j]!;
    if (abs.length !== prefix.length + rel.length || !abs.startsWith(prefix) || !abs.endsWith(rel)) return undefined;
  }
  const out = new BigInt64Array(keys.length * 4).fill(-1n);
  const outHalves = new Int32Array(out.buffer);
  // Listings come sorted as the object's keys are (the object adds key entries that are no file): one walk.
  let j = 0;
  for (let i = 0; i < keys.length && j < files.length; i++) {
    if (keys[i] !== files[j]!.rel) continue;
    // As 32-bit halves: no subarray (10^5 typed-array objects) nor BigInt per value.
    for (let c = 0; c < 8; c++) outHalves[i * 8 + c] = statHalves[j * 8 + c]!;
    j++;
  }
  if (j < files.length) {
    const at = new Map(keys.map((key, i) => [key, i]));
    for (let f = 0; f < files.length; f++) {
      const i = at.get(files[f]!.rel);
      if (i === undefined) return undefined;
      out.set(stats.subarray(f * 4, f * 4 + 4), i * 4);
    }
  }
  // Whether a file is one of the listed ones (a key with a stat): a few journal rows' paths, looked up, not a set of 10^5 made.
  const holds = (absPath: string) => {
    const i = absPath.startsWith(prefix) ? indexOfSorted(keys, absPath.slice(prefix.length)) : -1;
    return i >= 0 && !(outHalves[i * 8] === -1 && outHalves[i * 8 + 1] === -1);
  };
  return { prefix, stats: encodeStats(out), holds };
}
