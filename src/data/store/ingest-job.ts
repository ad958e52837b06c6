/**
 * Ingest's unit of work: one job = a run of consecutive input files, turned into one or more
 * shards. Every file is read once (hashed while in memory, then decoded); a file whose records the
 * last run already stored is copied from its old shard instead of decoded. Runs anywhere a cache's
 * objects folder is reachable: on the main thread, in medpipe's worker threads, or in a queue
 * worker on another machine (the job is plain data, the result too).
 * @example
 *   const result = await runIngestJob({ files, decode: { size: [224, 224], channels: 1, decoder: decoderKey() }, maxShardBytes: 64 << 20 }, objectsDir);
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MedpipeError, throwIfAborted } from '../../base/errors.ts';
import { compactFrame, decodeBytes, toFloat32, undecodable, type RasterFrame, type Samples } from '../../io/decode-bytes.ts';
import { nativeCodec, type NativeIngested } from '../../io/native-codec.ts';
import { decoderKey } from '../../io/decoder-version.ts';
import { dicomAttributesOf } from '../dicom-attributes.ts';
import { sliceSelected, stackSlices } from '../stack-slices.ts';
import { alignUp, dtypeOf, SHARD_MAGIC, type FileProblem, type ShardRecord } from './format.ts';
import { errnoName, NATIVE, nativeBatch, nativeMeta, nativeMoments, nativeTest } from './native-ingest.ts';
import { recordMoments } from './record-moments.ts';
import { readExactly, ShardFiles } from './shard-reader.ts';
import { ShardWriter, type WrittenShard } from './shard-writer.ts';

/** How files become records; equal specs give equal records (part of every job key). */
export interface DecodeSpec {
  readonly size: readonly [number, number];
  readonly channels: 1 | 3;
  /** NIfTI slicing axis. */
  readonly axis?: 0 | 1 | 2;
  /** Which slices of a multi-slice file become records (whole-file rows). */
  readonly slices?: 'all' | { readonly start: number; readonly end: number } | { readonly every: number };
  /** Stack the selected slices of a volume into this many channels: one record per file. */
  readonly stack?: number;
  /** decoderKey() of whoever planned the job; a worker with another decoder refuses the job. */
  readonly decoder: string;
  /** A hash of the group-key salt (never the salt: workers read MEDPIPE_GROUP_SALT themselves). */
  readonly saltKey?: string;
}

/** What a listing row asks of a file: all its (selected) slices, and/or particular ones. */
export interface FileWant {
  readonly whole: boolean;
  readonly frames?: readonly number[];
}

export interface JobFile {
  readonly rel: string;
  readonly abs: string;
  readonly want: FileWant;
  /** The content hash when the stat cache knows it (then the file is not even read if `reuse` matches it). */
  readonly hash?: string;
  /**
   * The file's records in an earlier shard (same path, same decode spec): copied instead of decoded
   * when the file's content hash equals `hash`, the one they were made from (a file merely touched
   * is read, not decoded).
   */
  readonly reuse?: { readonly shard: string; readonly records: readonly ShardRecord[]; readonly hash: string };
}

export interface IngestJob {
  readonly files: readonly JobFile[];
  readonly decode: DecodeSpec;
  /** A shard is closed before it would pass this size (a single record may exceed it). */
  readonly maxShardBytes: number;
}

export interface IngestJobResult {
  readonly shards: readonly WrittenShard[];
  /** Files that gave no record (unreadable, undecodable), with the error. */
  readonly problems: readonly FileProblem[];
  /** rel → sha256 of every file read (for the stat cache). */
  readonly hashes: Readonly<Record<string, string>>;
  readonly decoded: number;
  readonly copied: number;
  /**
   * On this thread only (never from a worker): the shards' fsync and rename, still going on when
   * the result comes back; nothing naming them in the cache may be written before it settles.
   */
  readonly published?: Promise<void>;
}

type Pending = { readonly meta: Omit<ShardRecord, 'offset' | 'length' | 'crc'>; readonly data: Samples };

function problemOf(rel: string, error: unknown, fileHash?: string): FileProblem {
  const e = error instanceof MedpipeError ? error : new MedpipeError('BAD_FILE', `${rel}: ${String(error)}`, { file: rel });
  return { file: rel, ...(e.file ? { path: e.file } : {}), ...(fileHash ? { fileHash } : {}), code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}) };
}

/** A file its bytes could not be read from. */
function unopenable(file: JobFile, code: string | undefined): MedpipeError {
  return new MedpipeError(code === 'ENOENT' ? 'DATA_NOT_FOUND' : 'BAD_FILE', `${file.abs} cannot be opened (${code ?? 'error'}).`, { file: file.abs, fix: 'Check that the file exists and is readable.' });
}

const NO_BYTES = new Uint8Array(0);

/** File i of an ingestFiles batch (status record) as the frame decodeBytes would have returned. */
function nativeFrame(batch: NativeIngested, i: number): RasterFrame {
  const { dtype, shape, range } = nativeMeta(batch, i);
  const moments = nativeMoments(batch, i, shape[2]);
  const at = batch.data.byteOffset + batch.offsets[i]!;
  const length = batch.lengths[i]!;
  const data = dtype === 'u16' ? new Uint16Array(batch.data.buffer, at, length / 2) : new Uint8Array(batch.data.buffer, at, length);
  const format = batch.formats[i] === 1 ? 'png' : 'jpeg';
  return { data, shape, range, meta: { format, bitDepth: dtype === 'u16' ? 16 : 8, range }, moments };
}

/** The records a decoded file contributes, as its listing rows ask. */
function recordsOf(file: JobFile, fileHash: string, frames: RasterFrame[], spec: DecodeSpec, bytes: Uint8Array): Pending[] {
  const count = frames.length;
  if (count === 0) throw new MedpipeError('BAD_FILE', `${file.abs} holds no image.`, { file: file.abs });
  const groupKeys = frames[0]!.meta.groupKeys;
  const attributes = frames[0]!.meta.format === 'dicom' ? dicomAttributesOf(bytes) : undefined;
  const base = { file: file.rel, fileHash, frames: count, ...(groupKeys ? { groupKeys } : {}), ...(attributes ? { attributes } : {}) };
  const out: Pending[] = [];
  const picked = new Set<number>(file.want.frames ?? []);
  if (file.want.whole && spec.stack !== undefined) {
    const chosen = frames.map((_, k) => k).filter((k) => sliceSelected(k, spec.slices));
    if (frames[0]!.shape[2] !== 1 || chosen.length === 0) {
      throw new MedpipeError('BAD_FILE', `${file.abs}: volume stacking needs single-channel slices, got ${chosen.length} slice(s) of ${frames[0]!.shape[2]} channel(s).`, {
        file: file.abs,
        fix: "Set channels: 1 on ingest, check volume.slices, or set onBadFile: 'skip'.",
      });
    }
    const stacked = stackSlices(chosen.map((k) => toFloat32(frames[k]!.data)), spec.stack);
    const [h, w] = frames[0]!.shape;
    const lo = Math.min(...chosen.map((k) => frames[k]!.range[0]));
    const hi = Math.max(...chosen.map((k) => frames[k]!.range[1]));
    const compact = compactFrame({ data: stacked, shape: [h, w, spec.stack], meta: { format: 'other', range: [lo, hi] } });
    out.push({ meta: { ...base, stack: spec.stack, dtype: dtypeOf(compact.data), shape: compact.shape, range: [lo, hi], moments: recordMoments(compact.data, spec.stack) }, data: compact.data });
  } else if (file.want.whole) {
    frames.forEach((_, k) => {
      if (count === 1 || sliceSelected(k, spec.slices)) picked.add(k);
    });
  }
  for (const k of [...picked].sort((a, b) => a - b)) {
    const frame = frames[k];
    if (!frame) continue; // a CSV row asking for a slice the file lacks: reported when the dataset is assembled
    const moments = frame.moments ?? recordMoments(frame.data, frame.shape[2]);
    out.push({ meta: { ...base, ...(count > 1 ? { frame: k } : {}), dtype: dtypeOf(frame.data), shape: frame.shape, range: [frame.range[0], frame.range[1]], moments }, data: frame.data });
  }
  return out;
}

/**
 * Whether the codec addon can write the job's one shard itself: every file PNG/JPEG, none copied
 * from an old shard, each wanting its one whole record, and 8-bit records of them would fit one
 * shard (16-bit ones may not: nativeShardJob then hands the records back).
 */
function nativeShardable(job: IngestJob): boolean {
  const record = alignUp(job.decode.size[0] * job.decode.size[1] * job.decode.channels);
  const ingestible = nativeTest(job.decode);
  return (
    job.files.length > 0 &&
    SHARD_MAGIC.length + job.files.length * record <= job.maxShardBytes &&
    nativeCodec()?.shardDigest !== undefined &&
    job.files.every((file) => !file.reuse && file.want.whole && ingestible(file.abs))
  );
}

/** Whether file i's record has `record`'s dtype, shape and range (its meta is then shared, not made again). */
function sameMeta(batch: NativeIngested, i: number, record: ShardRecord): boolean {
  const { shapes } = batch;
  const [h, w, c] = record.shape;
  return shapes[i * 4] === h && shapes[i * 4 + 1] === w && shapes[i * 4 + 2] === c && (shapes[i * 4 + 3] === 16) === (record.dtype === 'u16');
}

/**
 * A job nativeShardable allows: the addon writes the shard's magic and records into its file and
 * hashes them while each record is in cache; this thread adds the footer. No record is copied into
 * JavaScript and none hashed twice, and the shard is the one `put` would write, byte for byte.
 * When the records need more than this one shard (16-bit), or the addon handed a file back for the
 * general decoder (its record needs a place among the others), the batch comes back instead, its
 * records read back from the file, and the caller places them as usual: nothing is decoded twice.
 * So it does from a build of the addon that cannot write shards (its batch holds the records).
 */
async function nativeShardJob(job: IngestJob, objectsDir: string): Promise<IngestJobResult | NativeIngested> {
  const writer = new ShardWriter(objectsDir, { body: 'native' });
  let finishing = false;
  try {
    const batch = await nativeBatch(
      job.files.map((f) => f.abs),
      job.decode,
      writer.file,
    );
    if (batch.body === undefined || batch.bodyBytes === undefined) return batch;
    if (batch.bodyBytes > job.maxShardBytes || batch.status.includes(NATIVE.bytes)) {
      // The body from offset 0: the records sit at their offsets in it, as in a batch's data.
      const data = Buffer.allocUnsafe(batch.bodyBytes);
      readExactly(writer.file, data, 0, () => new MedpipeError('INTERNAL', `A shard being written in ${objectsDir} is shorter than the codec reported.`));
      return { ...batch, data };
    }
    const records: ShardRecord[] = [];
    const problems: FileProblem[] = [];
    const hashes: Record<string, string> = {};
    // One hex string for the job, cut per file (not a Buffer conversion per file). A plain loop:
    // a run executes it a few dozen times, mostly before V8 has optimised it, so each file's
    // record is made with as few steps as possible (one meta per shape, shared by the records).
    const hex = batch.hashes.toString('hex');
    const { status, offsets, lengths, crcs } = batch;
    const files = job.files;
    let last: ShardRecord | undefined;
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const state = status[i];
      if (state === NATIVE.unreadable) {
        problems.push(problemOf(file.rel, unopenable(file, errnoName(batch.errno[i]!))));
        continue;
      }
      const fileHash = hex.slice(i * 64, i * 64 + 64);
      hashes[file.rel] = fileHash;
      if (state === NATIVE.damaged) {
        problems.push(problemOf(file.rel, undecodable(file.abs, new Error(batch.messages[i])), fileHash));
        continue;
      }
      const meta = last && sameMeta(batch, i, last) ? last : nativeMeta(batch, i, last);
      last = {
        file: file.rel,
        fileHash,
        frames: 1,
        dtype: meta.dtype,
        shape: meta.shape,
        range: meta.range,
        moments: nativeMoments(batch, i, meta.shape[2]),
        offset: offsets[i]!,
        length: lengths[i]!,
        crc: crcs[i]!,
      };
      records.push(last);
    }
    if (records.length === 0) return { shards: [], problems, hashes, decoded: 0, copied: 0 };
    writer.adopt(records, batch.bodyBytes, batch.body);
    finishing = true; // from here the shard is published or left for removeAbandonedShards, never discarded
    const { shard, published } = await writer.seal();
    return { shards: [shard], problems, hashes, decoded: records.length, copied: 0, published };
  } finally {
    if (!finishing) writer.discard();
  }
}

/**
 * Runs one job: writes its shards into `objectsDir` and returns them with every record's entry.
 * A bad file becomes a problem in the result, never a thrown error (the caller decides: fail or skip).
 */
export async function runIngestJob(job: IngestJob, objectsDir: string, signal?: AbortSignal): Promise<IngestJobResult> {
  const { published, ...result } = await startIngestJob(job, objectsDir, signal);
  await published;
  return result;
}

/**
 * runIngestJob that may come back before its shards are published (fsynced and renamed into
 * place): then with `published`, which the caller awaits before anything names them.
 */
export async function startIngestJob(job: IngestJob, objectsDir: string, signal?: AbortSignal): Promise<IngestJobResult> {
  if (job.decode.decoder !== decoderKey()) {
    throw new MedpipeError('INTERNAL', `This worker decodes with ${decoderKey()}, the job was planned for ${job.decode.decoder}.`, {
      fix: 'Build the image codec addon (node native/codec/build.mjs) on every machine that runs ingest jobs, or on none.',
    });
  }
  let premade: NativeIngested | undefined;
  if (nativeShardable(job)) {
    throwIfAborted(signal);
    const result = await nativeShardJob(job, objectsDir);
    if ('shards' in result) return result;
    premade = result;
  }
  const salt = process.env.MEDPIPE_GROUP_SALT || undefined;
  const options = { size: job.decode.size, channels: job.decode.channels, ...(salt ? { salt } : {}), ...(job.decode.axis !== undefined ? { axis: job.decode.axis } : {}) };
  const shards: WrittenShard[] = [];
  const problems: FileProblem[] = [];
  const hashes: Record<string, string> = {};
  let decoded = 0;
  let copied = 0;
  let writer: ShardWriter | undefined;
  // Full shards are published (fsync, rename) in the background while decoding goes on.
  const publishing: Promise<WrittenShard>[] = [];
  const old = new ShardFiles(objectsDir, 8);
  const put = (meta: Pending['meta'], data: Samples | Uint8Array, crc?: number) => {
    if (writer && writer.count > 0 && writer.bytes + data.byteLength > job.maxShardBytes) {
      publishing.push(writer.finish());
      writer = undefined;
    }
    writer ??= new ShardWriter(objectsDir);
    writer.add(meta, data, crc);
  };
  try {
    // PNG and JPEG files not copied from an old shard: read, hashed and decoded in one addon call.
    const ingestible = nativeTest(job.decode);
    const viaNative = job.files.map((file) => !file.reuse && ingestible(file.abs));
    const nativeFiles = job.files.filter((_, i) => viaNative[i]);
    const batch = premade ?? (nativeFiles.length > 0 ? await nativeBatch(nativeFiles.map((f) => f.abs), job.decode) : undefined);
    let next = 0;
    for (const [index, file] of job.files.entries()) {
      throwIfAborted(signal);
      if (viaNative[index]) {
        const i = next++;
        const status = batch!.status[i];
        if (status === NATIVE.unreadable) {
          problems.push(problemOf(file.rel, unopenable(file, errnoName(batch!.errno[i]!))));
          continue;
        }
        const fileHash = batch!.hashes.toString('hex', i * 32, i * 32 + 32);
        hashes[file.rel] = fileHash;
        if (status === NATIVE.damaged) {
          problems.push(problemOf(file.rel, undecodable(file.abs, new Error(batch!.messages[i])), fileHash));
          continue;
        }
        try {
          if (status === NATIVE.record && file.want.whole) {
            // One frame, the whole file wanted: the record recordsOf would give, without its detours.
            const frame = nativeFrame(batch!, i);
            put({ file: file.rel, fileHash, frames: 1, dtype: dtypeOf(frame.data), shape: frame.shape, range: frame.range, moments: frame.moments! }, frame.data, batch!.crcs[i]);
          } else {
            const raw = batch!.raw[i];
            const frames = status === NATIVE.record ? [nativeFrame(batch!, i)] : await decodeBytes(raw!, file.abs, options);
            for (const { meta, data } of recordsOf(file, fileHash, frames, job.decode, raw ?? NO_BYTES)) put(meta, data, status === NATIVE.record ? batch!.crcs[i] : undefined);
          }
          decoded++;
        } catch (error) {
          problems.push(problemOf(file.rel, error, fileHash));
        }
        continue;
      }
      const copy = (reuse: NonNullable<JobFile['reuse']>): boolean => {
        try {
          const copies = reuse.records.map((record) => ({ record, bytes: old.read(reuse.shard, record.offset, record.length, record.crc) }));
          for (const { record, bytes } of copies) {
            const { offset: _o, length: _l, crc: _c, ...meta } = record;
            put(meta, bytes);
          }
          copied++;
          return true;
        } catch {
          return false; // the old shard is gone or damaged: decode the file like a new one
        }
      };
      const reusedHash = file.reuse?.hash;
      if (file.reuse && file.hash !== undefined && file.hash === reusedHash && copy(file.reuse)) continue;
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file.abs);
      } catch (error) {
        problems.push(problemOf(file.rel, unopenable(file, (error as NodeJS.ErrnoException).code)));
        continue;
      }
      const fileHash = createHash('sha256').update(bytes).digest('hex');
      hashes[file.rel] = fileHash;
      if (file.reuse && fileHash === reusedHash && copy(file.reuse)) continue;
      try {
        const records = recordsOf(file, fileHash, await decodeBytes(bytes, file.abs, options), job.decode, bytes);
        decoded++;
        for (const { meta, data } of records) put(meta, data);
      } catch (error) {
        problems.push(problemOf(file.rel, error, fileHash));
      }
    }
    if (writer && writer.count > 0) publishing.push(writer.finish());
    else writer?.discard();
    writer = undefined;
    shards.push(...(await Promise.all(publishing)));
    return { shards, problems, hashes, decoded, copied };
  } finally {
    writer?.discard();
    old.close();
    await Promise.allSettled(publishing);
  }
}
