/**
 * The shard file format (v1). A shard is one content-addressed object holding records back to back:
 *
 *   "MPSHARD1"                     8 bytes
 *   record 0, record 1, ...        each starting at a multiple of 8 bytes, in its stored type
 *   footer                         UTF-8 JSON, by column: what each record is, where, its CRC-32
 *   trailer                        footer offset (u32 × 2, little-endian lo/hi), footer length (u32), "MPSF"
 *
 * Written front to back in one pass (records as they are decoded, the footer last), fsynced once,
 * then renamed to its hash: a reader never meets a torn shard under a valid name, and a record
 * whose bytes do not match its CRC is reported, not used.
 */
import type { ImageShape } from '../../io/types.ts';

export const SHARD_MAGIC = 'MPSHARD1';
export const TRAILER_MAGIC = 'MPSF';
export const TRAILER_BYTES = 16;
export const RECORD_ALIGN = 8;
export const SHARD_FORMAT = 1;

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
  /** sha256 of the file's bytes. */
  readonly fileHash: string;
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

const COLUMNS = ['file', 'fileHash', 'frame', 'frames', 'stack', 'offset', 'length', 'dtype', 'shape', 'range', 'crc', 'moments', 'groupKeys', 'attributes'] as const;
type Column = (typeof COLUMNS)[number];

/** Whether every value is equal to the first as JSON (strings, numbers and null compared directly, others by their JSON). */
function allEqual(values: readonly unknown[]): boolean {
  const first = values[0] ?? null;
  if (first === null || typeof first !== 'object') return values.every((v) => v === first);
  const json = JSON.stringify(first);
  return values.every((v) => v !== null && typeof v === 'object' && JSON.stringify(v) === json);
}

/**
 * The footer as columns; a column whose values are all equal is stored once ({ all: value }), so
 * a shard of same-sized images spends its footer on names, hashes, offsets and CRCs only.
 */
export function encodeFooter(footer: ShardFooter): Record<string, unknown> {
  const out: Record<string, unknown> = { format: footer.format, count: footer.records.length };
  for (const column of COLUMNS) {
    const values = footer.records.map((r) => (r as unknown as Record<Column, unknown>)[column] ?? null);
    out[column] = allEqual(values) ? { all: values[0] ?? null } : values;
  }
  return out;
}

export function decodeFooter(json: Record<string, unknown>): ShardFooter {
  const count = json.count as number;
  const columns = COLUMNS.map((column) => {
    const value = json[column] as unknown[] | { all: unknown } | undefined;
    return (i: number): unknown => (value === undefined ? null : Array.isArray(value) ? value[i] : value.all);
  });
  const records: ShardRecord[] = [];
  for (let i = 0; i < count; i++) {
    const record: Record<string, unknown> = {};
    COLUMNS.forEach((column, c) => {
      const v = columns[c]!(i);
      if (v !== null && v !== undefined) record[column] = v;
    });
    records.push(record as unknown as ShardRecord);
  }
  return { format: json.format as number, records };
}
