import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';

/** size, mtime (ns), inode, ctime (ns) → content hash; like git's index, so unchanged files are never re-read. */
type StatRow = readonly [size: string, mtimeNs: string, ino: string, ctimeNs: string, hash: string];

/**
 * Content hashes for input files with a stat cache. A file whose size, mtime, ctime and inode
 * match the last seen values is trusted to be unchanged; anything else is read and hashed again.
 * A file modified within the last 2 s is hashed but not remembered (mtime granularity could hide
 * a second write in the same tick, git's "racy" case).
 */
export class FileHasher {
  private readonly path: string;
  private rows: Map<string, StatRow> = new Map();
  private dirty = false;
  /** How many files were actually read on this run (tests assert on it). */
  reads = 0;

  constructor(cacheDir: string) {
    this.path = join(cacheDir, 'files.json');
  }

  async load(): Promise<void> {
    try {
      const data = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, StatRow>;
      this.rows = new Map(Object.entries(data));
    } catch {
      this.rows = new Map();
    }
  }

  async hash(absPath: string): Promise<string> {
    const info = await stat(absPath, { bigint: true });
    const size = info.size.toString();
    const mtime = info.mtimeNs.toString();
    const ino = info.ino.toString();
    const ctime = info.ctimeNs.toString();
    const row = this.rows.get(absPath);
    if (row && row[0] === size && row[1] === mtime && row[2] === ino && row[3] === ctime) return row[4];
    const bytes = await readFile(absPath);
    this.reads++;
    const hash = createHash('sha256').update(bytes).digest('hex');
    const ageMs = Date.now() - Number(info.mtimeNs / 1_000_000n);
    if (ageMs > 2000) {
      this.rows.set(absPath, [size, mtime, ino, ctime, hash]);
      this.dirty = true;
    }
    return hash;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(this.rows)));
    this.dirty = false;
  }
}
