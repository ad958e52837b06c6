/**
 * The shard file format (v2). A shard is one content-addressed object holding records back to back:
 *
 *   "MPSHARD2"                     8 bytes
 *   record 0, record 1, ...        each starting at a multiple of 8 bytes, in its stored type
 *   footer                         brotli-compressed JSON, by column: what each record is, its CRC-32
 *   trailer                        footer offset (u32 × 2, little-endian lo/hi), footer length (u32),
 *                                  CRC-32 of the footer's bytes (u32), "MPS2"
 *
 * Written front to back in one pass (records as they are decoded, the footer last), fsynced once,
 * then renamed to its hash: a reader never meets a torn shard under a valid name, a footer whose
 * bytes do not match its CRC is reported, and so is a record whose bytes do not match its own.
 *
 * v2 stores each fact once: no source file hash (the stage key's listing holds it, see
 * runtime/listing-object.ts), no offsets or lengths where they follow from the records' order,
 * type and shape (always, for records written by ShardWriter). v1 shards ("MPSHARD1") are refused
 * as unknown: their jobs and entries are keyed by the old format and are simply not found.
 */
import zlib from 'node:zlib';
import type { ImageShape } from '../../io/types.ts';

export const SHARD_MAGIC = 'MPSHARD2';
export const TRAILER_MAGIC = 'MPS2';
export const TRAILER_BYTES = 20;
export const RECORD_ALIGN = 8;
export const SHARD_FORMAT = 2;

/** Sample types a record may be stored in. */
export type Dtype = 'u8' | 'u16' | 'i16' | 'f32';
export const DTYPES: readonly Dtype[] = ['u8', 'u16', 'i16', 'f32'];
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { u8: 1, u16: 2, i16: 2, f32: 4 };

export function dtypeOf(data: Uint8Array | Uint16Array | Int16Array | Float32Array): Dtype {
  if (data instanceof Uint8Array) return 'u8';
  if (data instanceof Uint16Array) return 'u16';
  if (data instanceof Int16Array) return 'i16';
  return 'f32';
}

/** One record as its shard's footer describes it. */
export interface ShardRecord {
  /** The file's path relative to the data root (or the CSV's folder). */
  readonly file: string;
  /**
   * sha256 of the file's bytes, known to whoever wrote the record; not stored in the footer (the
   * stage key's listing holds every file's hash once), so absent on records read back from a shard.
   */
  readonly fileHash?: string;
  /** Frame / slice index in a multi-frame file; absent for single images. */
  readonly frame?: number;
  /** How many frames the file has (so a per-slice CSV row can be checked). */
  readonly frames: number;
  /** Set on a volume's stacked record: its selected slices resampled to this many channels. */
  readonly stack?: number;
  /** Byte offset in the shard and byte length. */
  readonly offset: number;
  readonly length: number;
  readonly dtype: Dtype;
  readonly shape: ImageShape;
  /** Source value range (e.g. [0, 255]); `normalize({ method: 'rescale' })` divides by it. */
  readonly range: readonly [number, number];
  /** CRC-32 of the record's bytes, checked on every read. */
  readonly crc: number;
  /** Per channel [n, sum, M2] of the record's values (store/record-moments.ts): dataset statistics without a pixel pass. */
  readonly moments?: readonly number[];
  /** Salted group keys read from the file (DICOM PatientID / StudyInstanceUID hashes). */
  readonly groupKeys?: Readonly<Record<string, string>>;
  /** Non-identifying DICOM attributes (sex, age band, manufacturer, view …) for subgroup analysis. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A file of the job that produced no record, and why. */
export interface FileProblem {
  /** The relative path (as listed). */
  readonly file: string;
  /** The path the error names (the file's absolute path). */
  readonly path?: string;
  readonly fileHash?: string;
  readonly code: string;
  readonly message: string;
  readonly fix?: string;
}

export interface ShardFooter {
  readonly format: number;
  readonly records: readonly ShardRecord[];
}

export const alignUp = (n: number): number => Math.ceil(n / RECORD_ALIGN) * RECORD_ALIGN;

const COLUMNS = ['file', 'frame', 'frames', 'stack', 'offset', 'length', 'dtype', 'shape', 'range', 'crc', 'moments', 'groupKeys', 'attributes'] as const;
/** Brotli at quality 4: within 10% of the best ratio on footers, at a few ms per shard (quality 11 takes 100+). */
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/** Whether every value equals the first: the same value, the same array (a job's records share their shape and range), or the same JSON. */
function allEqual(values: readonly unknown[]): boolean {
  const first = values[0] ?? null;
  let json: string | undefined;
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    if (v === first) continue;
    if (first === null || typeof first !== 'object' || v === null || typeof v !== 'object') return false;
    json ??= JSON.stringify(first);
    if (JSON.stringify(v) !== json) return false;
  }
  return true;
}

/** A record's length in bytes from its type and shape. */
export const recordBytes = (r: Pick<ShardRecord, 'dtype' | 'shape'>): number => r.shape[0] * r.shape[1] * r.shape[2] * DTYPE_BYTES[r.dtype];

/** Whether every record lies where the writer puts it: back to back from byte 8, aligned, of its type's length. */
function packed(records: readonly ShardRecord[]): boolean {
  let at = SHARD_MAGIC.length;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.offset !== alignUp(at) || r.length !== recordBytes(r)) return false;
    at = r.offset + r.length;
  }
  return true;
}

/**
 * The footer's bytes: its columns as JSON, brotli-compressed. A column whose values are all equal
 * is stored once ({ all: value }); offsets and lengths are left out when they follow from the
 * records' order, type and shape (then a shard of same-sized images spends its footer on names,
 * CRCs and moments only).
 */
export function encodeFooter(records: readonly ShardRecord[]): Uint8Array {
  return zlib.brotliCompressSync(footerJson(records), BROTLI);
}

/**
 * encodeFooter's bytes, compressed on libuv's pool: the same bytes, with this thread free for the
 * next job's records meanwhile (brotli is ~0.4 ms of a 256-record footer's ~1 ms).
 */
export function encodeFooterAsync(records: readonly ShardRecord[]): Promise<Uint8Array> {
  const json = footerJson(records);
  return new Promise((resolve, reject) => zlib.brotliCompress(json, BROTLI, (error, bytes) => (error ? reject(error) : resolve(bytes))));
}

/** The footer's JSON (what encodeFooter compresses). */
function footerJson(records: readonly ShardRecord[]): Buffer {
  const derived = packed(records);
  const out: Record<string, unknown> = { format: SHARD_FORMAT, count: records.length, ...(derived ? { packed: true } : {}) };
  const columns = footerColumns(records);
  for (let c = 0; c < COLUMNS.length; c++) {
    const column = COLUMNS[c]!;
    if (derived && (column === 'offset' || column === 'length')) continue;
    const values = columns[c]!;
    out[column] = allEqual(values) ? { all: values[0] ?? null } : values;
  }
  return Buffer.from(JSON.stringify(out), 'utf8');
}

/**
 * Every record's value of each column (null where absent), in COLUMNS' order: one plain loop of
 * named reads. A run calls it once a shard: a loop of `record[column]` reads over 13 columns was
 * megamorphic, and optimising it (V8 compiles the loop while it runs) cost more CPU than the footer.
 */
function footerColumns(records: readonly ShardRecord[]): unknown[][] {
  const n = records.length;
  const column = () => new Array<unknown>(n);
  const [file, frame, frames, stack, offset, length, dtype, shape, range, crc, moments, groupKeys, attributes] = COLUMNS.map(column);
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    file![i] = r.file ?? null;
    frame![i] = r.frame ?? null;
    frames![i] = r.frames ?? null;
    stack![i] = r.stack ?? null;
    offset![i] = r.offset ?? null;
    length![i] = r.length ?? null;
    dtype![i] = r.dtype ?? null;
    shape![i] = r.shape ?? null;
    range![i] = r.range ?? null;
    crc![i] = r.crc ?? null;
    moments![i] = r.moments ?? null;
    groupKeys![i] = r.groupKeys ?? null;
    attributes![i] = r.attributes ?? null;
  }
  return [file!, frame!, frames!, stack!, offset!, length!, dtype!, shape!, range!, crc!, moments!, groupKeys!, attributes!];
}

/** The trailer after a footer of `footer`'s bytes that starts at byte `at`. */
export function footerTrailer(at: number, footer: Uint8Array): Uint8Array {
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32LE(at % 2 ** 32, 0);
  trailer.writeUInt32LE(Math.floor(at / 2 ** 32), 4);
  trailer.writeUInt32LE(footer.byteLength, 8);
  trailer.writeUInt32LE(zlib.crc32(footer), 12);
  trailer.write(TRAILER_MAGIC, 16, 'latin1');
  return trailer;
}

/** The footer from its bytes; throws (a plain Error naming what is wrong) on anything but a v2 footer. */
export function decodeFooter(bytes: Uint8Array): ShardFooter {
  const json = JSON.parse(zlib.brotliDecompressSync(bytes).toString('utf8')) as Record<string, unknown>;
  if (json.format !== SHARD_FORMAT || typeof json.count !== 'number') throw new Error(`unknown footer format ${String(json.format)}`);
  const count = json.count;
  const columns = COLUMNS.map((column) => {
    const value = json[column] as unknown[] | { all: unknown } | undefined;
    return (i: number): unknown => (value === undefined ? null : Array.isArray(value) ? value[i] : value.all);
  });
  const records: ShardRecord[] = [];
  let at = SHARD_MAGIC.length;
  for (let i = 0; i < count; i++) {
    const record: Record<string, unknown> = {};
    COLUMNS.forEach((column, c) => {
      const v = columns[c]!(i);
      if (v !== null && v !== undefined) record[column] = v;
    });
    if (json.packed === true) {
      record.offset = alignUp(at);
      record.length = recordBytes(record as unknown as ShardRecord);
      at = (record.offset as number) + (record.length as number);
    }
    records.push(record as unknown as ShardRecord);
  }
  return { format: SHARD_FORMAT, records };
}
