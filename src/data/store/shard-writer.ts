import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { crashPoint } from '../../base/crash-point.ts';
import { inDir } from '../../base/in-dir.ts';
import { turns } from '../../base/turns.ts';
import { objectPath, objectTempDir, type ObjectRef } from '../../base/object-store.ts';
import { nativeCodec } from '../../io/native-codec.ts';
import { workerCount } from '../workers/pool.ts';
import { alignUp, encodeFooterAsync, footerTrailer, SHARD_MAGIC, type ShardRecord } from './format.ts';

const ZEROS = new Uint8Array(64);

const STAGE_BYTES = 1 << 20;
const fsyncAsync = promisify(fsync);

/**
 * Shard fsyncs on libuv's pool take turns. Each holds one of libuv's threads while the disk takes
 * the shard (tens of ms, 100+ under load), and the same threads run the codec's decoding calls
 * (native-ingest.ts): with two fsyncs on a pool of four, the next decoding call queued behind them
 * and a core sat idle. So at most the threads left beside the decoding calls and one for other file
 * operations (one with the defaults).
 */
const syncTurn = turns(() => (Number(process.env.UV_THREADPOOL_SIZE) || 4) - workerCount() - 1);

/**
 * A shard's fsync: on a thread of its own when the codec addon has fsyncFile, all at once (the
 * file system commits concurrent fsyncs together: a run's dozen shards no longer queue one behind
 * the other), else in turns on libuv's pool. Either way every shard is fsynced before it is
 * renamed and recorded.
 */
function fsyncShard(fd: number): Promise<void> {
  const own = nativeCodec()?.fsyncFile;
  return own ? own(fd) : syncTurn(() => fsyncAsync(fd));
}

/** The SHA-256 that names a shard, fed every byte in order. */
interface ShardHash {
  update(bytes: Uint8Array): void;
  digest(): string;
}

function nodeHash(): ShardHash {
  const hash = createHash('sha256');
  return { update: (bytes) => hash.update(bytes), digest: () => hash.digest('hex') };
}

/** A written shard: its object and the records in it. */
export interface WrittenShard extends ObjectRef {
  readonly records: readonly ShardRecord[];
}

/**
 * Writes one shard front to back: records are appended as they are decoded (nothing held but the
 * record in hand and up to a megabyte not yet written), hashed as they go, and `finish` adds the
 * footer, fsyncs once and renames the file to its content hash. Synchronous (ingest's jobs run it
 * on a worker or the main thread). Abandon with `discard`. With `{ body: 'native' }` the codec
 * addon writes the magic and the records into `fd` itself (ingestFiles) and `adopt` takes them.
 * @example
 *   const w = new ShardWriter(objectsDir);
 *   w.add({ file, fileHash, frames: 1, dtype: 'u8', shape, range }, pixels);
 *   const shard = await w.finish();
 */
export class ShardWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private hash: ShardHash = nodeHash();
  private readonly records: ShardRecord[] = [];
  private position = 0;
  /**
   * Small writes are gathered here and reach the file a megabyte at a time (not two syscalls a
   * record). None for a native body: only the footer and trailer are left to write.
   */
  private readonly stage: Buffer | undefined;
  private staged = 0;
  /** Bytes in the file so far. */
  private written = 0;
  private closed = false;

  constructor(
    private readonly objectsDir: string,
    options: { readonly body?: 'native' } = {},
  ) {
    const dir = objectTempDir(objectsDir);
    this.tmp = join(dir, `shard-${process.pid}-${randomBytes(6).toString('hex')}`);
    // A native body may be read back (ingest-job.ts: when its records need more than one shard).
    this.fd = inDir(dir, () => openSync(this.tmp, options.body === 'native' ? 'w+' : 'w'));
    if (options.body === 'native') return;
    this.stage = Buffer.allocUnsafe(STAGE_BYTES);
    this.write(Buffer.from(SHARD_MAGIC, 'latin1'));
  }

  /** The temporary file's descriptor, for the addon to write the body into (`{ body: 'native' }`). */
  get file(): number {
    return this.fd;
  }

  /**
   * Takes the body ingestFiles wrote into `file`: its `size` bytes (magic and records), the
   * records' entries, and its SHA-256 state, which the footer and trailer continue.
   */
  adopt(records: readonly ShardRecord[], size: number, state: Buffer): void {
    if (this.position !== 0) throw new Error('ShardWriter.adopt: the body is written already');
    this.records.push(...records);
    this.position = size;
    this.written = size;
    const tail: Uint8Array[] = [];
    this.hash = { update: (bytes) => tail.push(bytes), digest: () => nativeCodec()!.shardDigest!(state, Buffer.concat(tail)) };
  }

  /** Bytes written so far (records and padding). */
  get bytes(): number {
    return this.position;
  }

  get count(): number {
    return this.records.length;
  }

  private write(bytes: Uint8Array): void {
    this.hash.update(bytes);
    const stage = this.stage;
    if (stage && this.staged + bytes.byteLength > stage.byteLength) this.flush();
    if (!stage || bytes.byteLength >= stage.byteLength) this.writeAll(bytes);
    else {
      stage.set(bytes, this.staged);
      this.staged += bytes.byteLength;
    }
    this.position += bytes.byteLength;
  }

  /** Writes the staged bytes to the file. */
  private flush(): void {
    if (this.staged > 0) this.writeAll(this.stage!.subarray(0, this.staged));
    this.staged = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done, this.written + done);
    this.written += bytes.byteLength;
  }

  /**
   * Appends one record; returns its entry (offset, length and CRC filled in). `crc`: the bytes'
   * CRC-32 when the caller has it already (the codec addon computes it while decoding).
   */
  add(meta: Omit<ShardRecord, 'offset' | 'length' | 'crc'>, data: Uint8Array | Uint16Array | Int16Array | Float32Array, crc?: number): ShardRecord {
    const pad = alignUp(this.position) - this.position;
    if (pad > 0) this.write(ZEROS.subarray(0, pad));
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const record: ShardRecord = { ...meta, offset: this.position, length: bytes.byteLength, crc: crc ?? crc32(bytes) };
    this.write(bytes);
    this.records.push(record);
    return record;
  }

  /**
   * Adds the footer, fsyncs, and publishes the shard under its hash. The footer's compression and
   * the fsync run off this thread, so the caller can go on with the next job while they do.
   */
  async finish(): Promise<WrittenShard> {
    const { shard, published } = await this.seal();
    await published;
    return shard;
  }

  /**
   * Adds the footer and names the shard (its hash, size and records: all that its readers' plans
   * need); `published` is the rest — fsync, then the rename under that name — which nothing that
   * names the shard in the cache may be written before (finish() awaits both).
   */
  async seal(): Promise<{ shard: WrittenShard; published: Promise<void> }> {
    const footer = await encodeFooterAsync(this.records);
    const at = this.position;
    this.write(footer);
    this.write(footerTrailer(at, footer));
    this.flush();
    crashPoint('write');
    this.closed = true; // from here the file is ours to finish, not to discard
    const shard = { hash: this.hash.digest(), size: this.position, records: this.records };
    return { shard, published: this.publish(shard.hash) };
  }

  private async publish(hash: string): Promise<void> {
    await fsyncShard(this.fd);
    crashPoint('fsync');
    closeSync(this.fd);
    const target = objectPath(this.objectsDir, hash);
    const existing = statSync(target, { throwIfNoEntry: false });
    if (existing?.size === this.position) {
      rmSync(this.tmp, { force: true }); // the same shard is there already (same records, same bytes)
    } else {
      inDir(dirname(target), () => renameSync(this.tmp, target));
      crashPoint('rename');
    }
  }

  discard(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    rmSync(this.tmp, { force: true });
  }
}
