import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, fsync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { crashPoint } from '../../base/crash-point.ts';
import { objectPath, objectTempDir, type ObjectRef } from '../../base/object-store.ts';
import { alignUp, encodeFooter, footerTrailer, SHARD_MAGIC, type ShardRecord } from './format.ts';

const ZEROS = new Uint8Array(64);
const STAGE_BYTES = 1 << 20;
const fsyncAsync = promisify(fsync);

/** A written shard: its object and the records in it. */
export interface WrittenShard extends ObjectRef {
  readonly records: readonly ShardRecord[];
}

/**
 * Writes one shard front to back: records are appended as they are decoded (nothing held but the
 * record in hand and up to a megabyte not yet written), hashed as they go, and `finish` adds the
 * footer, fsyncs once and renames the file to its content hash. Synchronous (ingest's jobs run it
 * on a worker or the main thread). Abandon with `discard`.
 * @example
 *   const w = new ShardWriter(objectsDir);
 *   w.add({ file, fileHash, frames: 1, dtype: 'u8', shape, range }, pixels);
 *   const shard = await w.finish();
 */
export class ShardWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly hash: Hash = createHash('sha256');
  private readonly records: ShardRecord[] = [];
  private position = 0;
  /** Small writes are gathered here and reach the file a megabyte at a time (not two syscalls a record). */
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;
  /** Bytes in the file so far. */
  private written = 0;
  private closed = false;

  constructor(private readonly objectsDir: string) {
    const dir = objectTempDir(objectsDir);
    mkdirSync(dir, { recursive: true });
    this.tmp = join(dir, `shard-${process.pid}-${randomBytes(6).toString('hex')}`);
    this.fd = openSync(this.tmp, 'w');
    this.write(Buffer.from(SHARD_MAGIC, 'latin1'));
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
    if (this.staged + bytes.byteLength > this.stage.byteLength) this.flush();
    if (bytes.byteLength >= this.stage.byteLength) this.writeAll(bytes);
    else {
      this.stage.set(bytes, this.staged);
      this.staged += bytes.byteLength;
    }
    this.position += bytes.byteLength;
  }

  /** Writes the staged bytes to the file. */
  private flush(): void {
    this.writeAll(this.stage.subarray(0, this.staged));
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
   * Adds the footer, fsyncs, and publishes the shard under its hash. The fsync runs off this thread
   * (libuv's pool), so the caller can decode the next files while the disk catches up.
   */
  async finish(): Promise<WrittenShard> {
    const footer = encodeFooter(this.records);
    const at = this.position;
    this.write(footer);
    this.write(footerTrailer(at, footer));
    this.flush();
    crashPoint('write');
    this.closed = true; // from here the file is ours to finish, not to discard
    await fsyncAsync(this.fd);
    crashPoint('fsync');
    closeSync(this.fd);
    const hash = this.hash.digest('hex');
    const target = objectPath(this.objectsDir, hash);
    const existing = statSync(target, { throwIfNoEntry: false });
    if (existing?.size === this.position) {
      rmSync(this.tmp, { force: true }); // the same shard is there already (same records, same bytes)
    } else {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(this.tmp, target);
      crashPoint('rename');
    }
    return { hash, size: this.position, records: this.records };
  }

  discard(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    rmSync(this.tmp, { force: true });
  }
}
