/**
 * Where each sample's pixels are: one row per sample (shard, byte offset, length, CRC-32, stored
 * type, source value range, source file hash), in columns, so 100,000 samples cost a few MB and a
 * subset (a split, a fold, a selection) is a copy of rows, never of pixels.
 */
import type { ObjectRef } from '../../base/object-store.ts';
import { DTYPES, type Dtype, type ShardRecord } from './format.ts';

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
  /** Per sample the sha256 of its source file (32 bytes). */
  readonly fileHash: Uint8Array;
  /** Per sample and channel [n, sum, M2] of the record's values (3 · channels numbers a row), when ingest stored them. */
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
    fileHash: new Uint8Array(count * 32),
  };
}

/** Writes row `i`: where `record` lies (in shard `shard` of the table's list) and what it is. */
export function setRecord(table: RecordTable, i: number, shard: number, record: ShardRecord): void {
  table.shard[i] = shard;
  table.offset[i] = record.offset;
  table.length[i] = record.length;
  table.crc[i] = record.crc;
  table.dtype[i] = DTYPES.indexOf(record.dtype);
  table.ranges[i * 2] = record.range[0];
  table.ranges[i * 2 + 1] = record.range[1];
  table.fileHash.set(Buffer.from(record.fileHash, 'hex'), i * 32);
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
  to.fileHash.set(from.fileHash.subarray(i * 32, i * 32 + 32), k * 32);
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

const COLUMNS = ['shard', 'offset', 'length', 'crc', 'dtype', 'ranges', 'fileHash'] as const;

/** One blob: a JSON header (count, shards) then the columns, each 8-byte aligned. */
export function encodeTable(table: RecordTable): Uint8Array {
  const moments = momentsWidth(table);
  const header = Buffer.from(JSON.stringify({ count: rowCount(table), shards: table.shards, ...(moments ? { moments } : {}) }), 'utf8');
  const columns = [...COLUMNS.map((name) => table[name]), ...(table.moments ? [table.moments] : [])];
  const parts = columns.map((column) => new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  const align = (n: number) => Math.ceil(n / 8) * 8;
  let size = align(4 + header.byteLength);
  for (const p of parts) size += align(p.byteLength);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, header.byteLength, true);
  out.set(header, 4);
  let at = align(4 + header.byteLength);
  for (const p of parts) {
    out.set(p, at);
    at += align(p.byteLength);
  }
  return out;
}

export function decodeTable(bytes: Uint8Array): RecordTable {
  const copy = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const length = new DataView(copy.buffer, copy.byteOffset).getUint32(0, true);
  const { count, shards, moments } = JSON.parse(Buffer.from(copy.buffer, copy.byteOffset + 4, length).toString('utf8')) as { count: number; shards: ObjectRef[]; moments?: number };
  const align = (n: number) => Math.ceil(n / 8) * 8;
  let at = copy.byteOffset + align(4 + length);
  const take = <T>(ctor: new (buffer: ArrayBufferLike, offset: number, length: number) => T, n: number, bytesPer: number): T => {
    const view = new ctor(copy.buffer, at, n);
    at += align(n * bytesPer);
    return view;
  };
  return {
    shards,
    shard: take(Uint32Array, count, 4),
    offset: take(Float64Array, count, 8),
    length: take(Uint32Array, count, 4),
    crc: take(Uint32Array, count, 4),
    dtype: take(Uint8Array, count, 1),
    ranges: take(Float32Array, count * 2, 4),
    fileHash: take(Uint8Array, count * 32, 1),
    ...(moments ? { moments: take(Float64Array, count * moments, 8) } : {}),
  };
}
