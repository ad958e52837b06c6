import { closeSync, fstatSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { MedpipeError } from '../../base/errors.ts';
import { objectPath } from '../../base/object-store.ts';
import { decodeFooter, SHARD_MAGIC, TRAILER_BYTES, TRAILER_MAGIC, type ShardFooter } from './format.ts';

const damaged = (path: string, what: string) =>
  new MedpipeError('CACHE_CORRUPT', `Dataset shard ${path} is damaged: ${what}.`, {
    file: path,
    fix: 'Run again: the stage that wrote it re-ingests the files of that shard (or delete the cache folder).',
  });

/** Fills `into` from byte `position` of `fd`; `short(end)` is thrown when the file ends at byte `end` first. */
export function readExactly(fd: number, into: Uint8Array, position: number, short: (end: number) => Error): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw short(position + done);
    done += n;
  }
}

/** readExactly's error for a shard: damaged, naming where it ends and what was wanted. */
const shortShard = (path: string, into: Uint8Array, position: number) => (end: number) => damaged(path, `it ends at byte ${end}, before the ${into.byteLength} bytes wanted at ${position}`);

/** Reads and checks a shard's footer (magic, trailer, the footer's CRC-32 and format); throws CACHE_CORRUPT when anything is off. */
export function readShardFooter(path: string): ShardFooter {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new MedpipeError('CACHE_CORRUPT', `Dataset shard ${path} is missing (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { file: path, fix: 'Run again: the ingest stage rewrites it.', cause: error });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < SHARD_MAGIC.length + TRAILER_BYTES) throw damaged(path, `only ${size} bytes`);
    const head = Buffer.alloc(SHARD_MAGIC.length);
    readExactly(fd, head, 0, shortShard(path, head, 0));
    const magic = head.toString('latin1');
    if (magic !== SHARD_MAGIC) throw damaged(path, magic.startsWith('MPSHARD') ? `it is in shard format ${magic.slice(7)}, this medpipe reads ${SHARD_MAGIC.slice(7)}` : 'no shard header');
    const trailer = Buffer.alloc(TRAILER_BYTES);
    readExactly(fd, trailer, size - TRAILER_BYTES, shortShard(path, trailer, size - TRAILER_BYTES));
    if (trailer.toString('latin1', 16, 20) !== TRAILER_MAGIC) throw damaged(path, 'no trailer');
    const at = trailer.readUInt32LE(0) + trailer.readUInt32LE(4) * 2 ** 32;
    const length = trailer.readUInt32LE(8);
    if (at + length + TRAILER_BYTES !== size) throw damaged(path, 'the trailer points outside the file');
    const bytes = Buffer.alloc(length);
    readExactly(fd, bytes, at, shortShard(path, bytes, at));
    if (crc32(bytes) !== trailer.readUInt32LE(12)) throw damaged(path, 'its footer does not match its CRC-32');
    try {
      return decodeFooter(bytes);
    } catch (error) {
      throw damaged(path, `its footer cannot be read (${(error as Error).message})`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Open shard files of one reader (a loader worker, an ingest job copying records), least recently
 * used closed first, so a pass over hundreds of shards never holds hundreds of descriptors.
 * @example
 *   const files = new ShardFiles(objectsDir);
 *   const bytes = files.read(hash, offset, length, crc);
 */
export class ShardFiles {
  private readonly open = new Map<string, number>();
  /** When each open file was last checked for having been replaced. */
  private readonly checked = new Map<string, number>();

  constructor(
    private readonly objectsDir: string,
    private readonly limit = 64,
  ) {}

  private fd(hash: string): number {
    let fd = this.open.get(hash);
    if (fd !== undefined) {
      this.open.delete(hash);
      // A shard repaired since it was opened was renamed over: the old file has no name left. (Checked
      // at most every 200 ms: a repair happens in ingest, before anything reads the new shard.)
      const now = performance.now();
      if (now - (this.checked.get(hash) ?? 0) < 200 || fstatSync(fd).nlink > 0) {
        this.checked.set(hash, now);
        this.open.set(hash, fd); // most recently used last
        return fd;
      }
      closeSync(fd);
    }
    const path = objectPath(this.objectsDir, hash);
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new MedpipeError('CACHE_CORRUPT', `Dataset shard ${path} is missing (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
        file: path,
        fix: 'Run again: the ingest stage rewrites missing shards (or `medpipe clean` removed it while a run used it).',
        cause: error,
      });
    }
    if (this.open.size >= this.limit) {
      const [oldest, oldFd] = this.open.entries().next().value as [string, number];
      closeSync(oldFd);
      this.open.delete(oldest);
      this.checked.delete(oldest);
    }
    this.open.set(hash, fd);
    this.checked.set(hash, performance.now());
    return fd;
  }

  /** Reads one record into `into` (or a new buffer) and checks its CRC. */
  read(hash: string, offset: number, length: number, crc: number, into?: Uint8Array): Uint8Array {
    const out = into ?? new Uint8Array(length);
    const view = out.byteLength === length ? out : out.subarray(0, length);
    const path = objectPath(this.objectsDir, hash);
    const short = shortShard(path, view, offset);
    try {
      readExactly(this.fd(hash), view, offset, short);
    } catch (error) {
      // A descriptor opened before a repair (inside fd()'s 200 ms window) reads the replaced file.
      if (!this.reopenIfReplaced(hash, path)) throw error;
      readExactly(this.fd(hash), view, offset, short);
    }
    if (crc32(view) !== crc && this.reopenIfReplaced(hash, path)) readExactly(this.fd(hash), view, offset, short);
    if (crc32(view) !== crc) {
      // Out of the way with it: the entries that name it then fail verification, and the next run
      // re-ingests the files of this shard instead of meeting the same damage again.
      this.forget(hash);
      rmSync(path, { force: true });
      throw new MedpipeError('CACHE_CORRUPT', `Dataset shard ${path} is damaged: the record at byte ${offset} does not match its CRC-32. The shard was removed.`, {
        file: path,
        fix: 'Run again: the ingest stage re-ingests the files of that shard (check the disk if this repeats).',
      });
    }
    return view;
  }

  /** True (and the descriptor closed) when `hash`'s open descriptor is not the file now at `path`. */
  private reopenIfReplaced(hash: string, path: string): boolean {
    const fd = this.open.get(hash);
    if (fd === undefined) return false;
    try {
      const [now, held] = [statSync(path), fstatSync(fd)];
      if (now.ino === held.ino && now.dev === held.dev) return false;
    } catch {
      // Gone from its path: reopening reports it missing.
    }
    this.forget(hash);
    return true;
  }

  private forget(hash: string): void {
    const fd = this.open.get(hash);
    if (fd !== undefined) closeSync(fd);
    this.open.delete(hash);
  }

  close(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}
