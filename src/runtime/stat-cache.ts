/**
 * The stat cache: content hashes of input files, remembered with each file's size, mtime, ctime and
 * inode (like git's index), in SQLite (`<cache>/stat.sqlite`, WAL): looked up one file at a time
 * and updated one finished ingest job at a time, so it scales to millions of files and a run killed
 * at any moment loses at most the rows of the job in flight. A file modified within the last 2 s is
 * hashed but not remembered (a second write in the same mtime tick would go unseen: git's "racy" case).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { FileIndex, FileStat } from '../data/store/ingest-env.ts';

/** A remembered file: its stat as one string (see stampOf) and its content hash in hex. */
type Row = { stamp: string; hex: string };

/**
 * A file's size, mtime, inode and ctime as one string, exactly as SQLite prints the stored integers:
 * comparing one string per file is what lets a listing of 10^5 files be checked in a blink (rows
 * read as four BigInts and a Buffer each cost ~20 µs a file, most of a no-op rerun).
 */
const stampOf = (s: FileStat) => `${s.size}:${s.mtimeNs}:${BigInt.asIntN(64, s.ino)}:${s.ctimeNs}`;
const STAMP = "size || ':' || mtime || ':' || ino || ':' || ctime AS stamp, lower(hex(hash)) AS hex";

const RACY_MS = 2000n;

export class StatCache implements FileIndex {
  private db?: BetterSqlite3.Database;
  private lookup?: BetterSqlite3.Statement<[string], Row>;
  private range?: BetterSqlite3.Statement<[string, string], Row & { path: string }>;
  /** Rows loaded by prime(), and the folders they cover. */
  private readonly primed = new Map<string, Row>();
  private readonly primedFolders: string[] = [];
  private upsert?: BetterSqlite3.Statement<[string, bigint, bigint, bigint, bigint, Buffer]>;
  /** How many files were read to be hashed on this run (every hash learned is one read; tests assert on it). */
  reads = 0;

  constructor(private readonly cacheDir: string) {}

  private open(): BetterSqlite3.Database {
    if (this.db) return this.db;
    mkdirSync(this.cacheDir, { recursive: true });
    const path = join(this.cacheDir, 'stat.sqlite');
    try {
      return this.connect(path);
    } catch {
      // Not a database any more (damaged, overwritten): it only remembers hashes, start it afresh.
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      return this.connect(path);
    }
  }

  private connect(path: string): BetterSqlite3.Database {
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(path, { timeout: 10_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Integers (nanosecond times fit in SQLite's 64 bits) and the hash as 32 bytes: ~130 bytes a file.
    db.exec('CREATE TABLE IF NOT EXISTS stat (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, ino INTEGER, ctime INTEGER, hash BLOB) WITHOUT ROWID');
    this.lookup = db.prepare<[string], Row>(`SELECT ${STAMP} FROM stat WHERE path = ?`);
    this.upsert = db.prepare('INSERT OR REPLACE INTO stat (path, size, mtime, ino, ctime, hash) VALUES (?, ?, ?, ?, ?, ?)');
    this.range = db.prepare<[string, string], Row & { path: string }>(`SELECT path, ${STAMP} FROM stat WHERE path >= ? AND path < ?`);
    // One large listing per root folder: its digest (paths and stats) and the key object it gave.
    db.exec('CREATE TABLE IF NOT EXISTS listing (root TEXT PRIMARY KEY, digest TEXT, object TEXT, count INTEGER)');
    this.db = db;
    return db;
  }

  /** Opens the database (kept for the session's API; the first lookup opens it anyway). */
  async load(): Promise<void> {
    this.open();
  }

  prime(folder: string): void {
    this.open();
    if (this.primedFolders.some((f) => folder.startsWith(f))) return;
    // Paths under `folder` sort between it and the same string with its last character bumped.
    const end = folder.slice(0, -1) + String.fromCharCode(folder.charCodeAt(folder.length - 1) + 1);
    for (const row of this.range!.iterate(folder, end)) this.primed.set(row.path, { stamp: row.stamp, hex: row.hex });
    this.primedFolders.push(folder);
  }

  known(absPath: string, s: FileStat): string | undefined {
    this.open();
    const row = this.primedFolders.some((f) => absPath.startsWith(f)) ? this.primed.get(absPath) : this.lookup!.get(absPath);
    return row && row.stamp === stampOf(s) ? row.hex : undefined;
  }

  listingFor(root: string, digest: string): { hash: string; count: number } | undefined {
    const row = this.open()
      .prepare<[string, string], { object: string; count: number }>('SELECT object, count FROM listing WHERE root = ? AND digest = ?')
      .get(root, digest);
    return row ? { hash: row.object, count: row.count } : undefined;
  }

  rememberListing(root: string, digest: string, listing: { readonly hash: string; readonly count: number }): void {
    this.open().prepare('INSERT OR REPLACE INTO listing (root, digest, object, count) VALUES (?, ?, ?, ?)').run(root, digest, listing.hash, listing.count);
  }

  remember(rows: readonly { readonly absPath: string; readonly stat: FileStat; readonly hash: string }[]): void {
    if (rows.length === 0) return;
    const db = this.open();
    const now = BigInt(Date.now());
    this.reads += rows.length;
    db.transaction(() => {
      for (const { absPath, stat: s, hash } of rows) {
        if (now - s.mtimeNs / 1_000_000n <= RACY_MS) continue;
        if (this.primed.size > 0 || this.primedFolders.length > 0) this.primed.set(absPath, { stamp: stampOf(s), hex: hash });
        this.upsert!.run(absPath, s.size, s.mtimeNs, BigInt.asIntN(64, s.ino), s.ctimeNs, Buffer.from(hash, 'hex'));
      }
    })();
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

  /** Forgets the rows prime() loaded (a file each): they serve one listing's fingerprint, not the rest of a run. */
  release(): void {
    this.primed.clear();
    this.primedFolders.length = 0;
  }

  /** Rows are written as they come; this closes the database at the end of a run. */
  async save(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.release();
  }
}
