/**
 * Where each sample's pixels are: one row per sample (shard, byte offset, length, CRC-32, stored
 * type, source value range), in columns, so 100,000 samples cost a few MB in memory and a subset
 * (a split, a fold, a selection) is a copy of rows, never of pixels. Stored (encodeTable) in a
 * few bytes a row: offsets as their gaps from where the row before ends, the columns deflated;
 * the records' moments stay in their shards' footers (footer-moments.ts reads them back).
 */
import { deflatedBlob, inflatedBlob } from '../../base/deflated-blob.ts';
import type { ObjectRef } from '../../base/object-store.ts';
import type { ImageShape } from '../types.ts';
import { alignUp, DTYPES, SHARD_MAGIC, type Dtype, type ShardRecord } from './format.ts';

export interface RecordTable {
  /** The shards the rows point into. */
  readonly shards: readonly ObjectRef[];
  readonly shard: Uint32Array;
  readonly offset: Float64Array;
  readonly length: Uint32Array;
  readonly crc: Uint32Array;
  /** Index into DTYPES. */
  readonly dtype: Uint8Array;
  /** Per sample [lo, hi]: the source type's value range (rescale divides by it). */
  readonly ranges: Float32Array;
  /**
   * Per sample and channel [n, sum, M2] of the record's values (3 · channels numbers a row), when
   * the table was built from ingest's records in this process; a decoded table has none (they are
   * in the shards' footers: footer-moments.ts).
   */
  readonly moments?: Float64Array;
}

/** Numbers per row in `moments`. */
export const momentsWidth = (table: RecordTable): number => (table.moments ? table.moments.length / Math.max(table.shard.length, 1) : 0);

export const rowCount = (table: RecordTable): number => table.shard.length;

export function dtypeAt(table: RecordTable, row: number): Dtype {
  return DTYPES[table.dtype[row]!]!;
}

export function emptyTable(count: number, shards: readonly ObjectRef[], momentsPerRow = 0): RecordTable {
  return {
    ...(momentsPerRow > 0 ? { moments: new Float64Array(count * momentsPerRow) } : {}),
    shards,
    shard: new Uint32Array(count),
    offset: new Float64Array(count),
    length: new Uint32Array(count),
    crc: new Uint32Array(count),
    dtype: new Uint8Array(count),
    ranges: new Float32Array(count * 2),
  };
}

/**
 * Row `row` of a stored table as the record of a plain single-frame file (one frame, no group keys,
 * attributes or moments): read from the table's columns when asked, nothing copied. What a rerun
 * knows of the files of its reused jobs, 10^5 of them: an object each, not a record and its range.
 */
export class TableRow implements ShardRecord {
  constructor(
    readonly file: string,
    readonly fileHash: string,
    readonly shape: ImageShape,
    readonly table: RecordTable,
    readonly row: number,
  ) {}

  get frames(): number {
    return 1;
  }
  get offset(): number {
    return this.table.offset[this.row]!;
  }
  get length(): number {
    return this.table.length[this.row]!;
  }
  get crc(): number {
    return this.table.crc[this.row]!;
  }
  get dtype(): Dtype {
    return dtypeAt(this.table, this.row);
  }
  get range(): readonly [number, number] {
    return [this.table.ranges[this.row * 2]!, this.table.ranges[this.row * 2 + 1]!];
  }
}

/** Writes row `i`: where `record` lies (in shard `shard` of the table's list) and what it is. */
export function setRecord(table: RecordTable, i: number, shard: number, record: ShardRecord): void {
  if (record instanceof TableRow) {
    copyRow(record.table, record.row, table, i);
    table.shard[i] = shard;
    return;
  }
  table.shard[i] = shard;
  table.offset[i] = record.offset;
  table.length[i] = record.length;
  table.crc[i] = record.crc;
  table.dtype[i] = DTYPES.indexOf(record.dtype);
  table.ranges[i * 2] = record.range[0];
  table.ranges[i * 2 + 1] = record.range[1];
  if (table.moments && record.moments) table.moments.set(record.moments, i * record.moments.length);
}

/** A table of `records`, all in the one shard `shard`. */
export function tableOf(records: readonly ShardRecord[], shard: ObjectRef): RecordTable {
  const table = emptyTable(records.length, [shard]);
  records.forEach((record, i) => setRecord(table, i, 0, record));
  return table;
}

/** Rows `indices` of `table`, in that order (the shard list is kept whole). */
export function selectRows(table: RecordTable, indices: ArrayLike<number>): RecordTable {
  const out = emptyTable(indices.length, table.shards, momentsWidth(table));
  for (let k = 0; k < indices.length; k++) copyRow(table, indices[k]!, out, k);
  return out;
}

function copyRow(from: RecordTable, i: number, to: RecordTable, k: number): void {
  to.shard[k] = from.shard[i]!;
  to.offset[k] = from.offset[i]!;
  to.length[k] = from.length[i]!;
  to.crc[k] = from.crc[i]!;
  to.dtype[k] = from.dtype[i]!;
  to.ranges[k * 2] = from.ranges[i * 2]!;
  to.ranges[k * 2 + 1] = from.ranges[i * 2 + 1]!;
  if (from.moments && to.moments) {
    const w = to.moments.length / to.shard.length;
    to.moments.set(from.moments.subarray(i * w, (i + 1) * w), k * w);
  }
}

/** `a`'s rows then `b`'s (their shard lists merged). */
export function concatTables(a: RecordTable, b: RecordTable): RecordTable {
  const shards = [...a.shards];
  const index = new Map(shards.map((s, i) => [s.hash, i]));
  const remap = b.shards.map((s) => {
    let at = index.get(s.hash);
    if (at === undefined) {
      at = shards.length;
      shards.push(s);
      index.set(s.hash, at);
    }
    return at;
  });
  const n = rowCount(a);
  const width = momentsWidth(a) === momentsWidth(b) ? momentsWidth(a) : 0;
  const out = emptyTable(n + rowCount(b), shards, width);
  for (let i = 0; i < n; i++) copyRow(a, i, out, i);
  for (let i = 0; i < rowCount(b); i++) {
    copyRow(b, i, out, n + i);
    out.shard[n + i] = remap[b.shard[i]!]!;
  }
  return out;
}

const TABLE_MAGIC = 'MPTABLE2';

/**
 * One blob: "MPTABLE2", then deflated: a JSON header (count, shards) and the columns shard, offset
 * gap, length, crc, dtype, ranges (each 8-byte aligned). A row's offset gap is its offset minus
 * where the row before it ends (aligned) in the same shard (8, the first record's place, in a new
 * one): 0 for the rows of one ingest job, so the column costs nothing once deflated.
 */
export function encodeTable(table: RecordTable): Uint8Array {
  const n = rowCount(table);
  const gap = new Float64Array(n);
  for (let i = 0; i < n; i++) gap[i] = table.offset[i]! - expectedOffset(table, i);
  const header = Buffer.from(JSON.stringify({ count: n, shards: table.shards }), 'utf8');
  const columns = [table.shard, gap, table.length, table.crc, table.dtype, table.ranges];
  const parts = columns.map((column) => new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  let size = alignUp(4 + header.byteLength);
  for (const p of parts) size += alignUp(p.byteLength);
  const body = new Uint8Array(size);
  new DataView(body.buffer).setUint32(0, header.byteLength, true);
  body.set(header, 4);
  let at = alignUp(4 + header.byteLength);
  for (const p of parts) {
    body.set(p, at);
    at += alignUp(p.byteLength);
  }
  return deflatedBlob(TABLE_MAGIC, body, 6);
}

/** Where row i's record would start if it followed row i - 1's in the same shard (8 in a new shard). */
function expectedOffset(table: Pick<RecordTable, 'shard' | 'offset' | 'length'>, i: number): number {
  return i > 0 && table.shard[i - 1] === table.shard[i] ? alignUp(table.offset[i - 1]! + table.length[i - 1]!) : SHARD_MAGIC.length;
}

/** Throws CACHE_CORRUPT (the entry is recomputed) for anything but a v2 table: an older table is never misread. */
export function decodeTable(bytes: Uint8Array): RecordTable {
  const body = inflatedBlob(bytes, TABLE_MAGIC, 'A dataset record table');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const length = view.getUint32(0, true);
  const { count, shards } = JSON.parse(body.toString('utf8', 4, 4 + length)) as { count: number; shards: ObjectRef[] };
  // inflateRawSync's buffer may sit anywhere in Node's pool: copy once so every column is aligned.
  const copy = body.byteOffset % 8 === 0 ? body : new Uint8Array(body);
  let at = copy.byteOffset + alignUp(4 + length);
  const take = <T>(ctor: new (buffer: ArrayBufferLike, offset: number, length: number) => T, n: number, bytesPer: number): T => {
    const column = new ctor(copy.buffer, at, n);
    at += alignUp(n * bytesPer);
    return column;
  };
  const shard = take(Uint32Array, count, 4);
  const offset = take(Float64Array, count, 8);
  const table = { shards, shard, offset, length: take(Uint32Array, count, 4), crc: take(Uint32Array, count, 4), dtype: take(Uint8Array, count, 1), ranges: take(Float32Array, count * 2, 4) };
  for (let i = 0; i < count; i++) offset[i] = offset[i]! + expectedOffset(table, i);
  return table;
}
