/**
 * Helpers for the codecs of training units. A unit carries its images as rows of the record table
 * (which name the shards, by content hash) and labels, never as pixels: the shards travel as
 * content-addressed objects (`refs`), so a worker that has them already (its cache, an earlier unit
 * of the same stage) fetches nothing, and no sample metadata (ids, file names) leaves the coordinator.
 */
import { MedpipeError } from '../base/errors.ts';
import type { Artifact } from '../base/artifact.ts';
import { bytesOf, floatsOf, uniqueShards, type SplitSet, type Subset } from '../data/image-set.ts';
import { decodeTable, encodeTable, type RecordTable } from '../data/store/record-table.ts';
import { labelsOf } from './train-fresh.ts';

export { bytesOf, floatsOf, uniqueShards as shardsOf };

/** Where a unit's images are and how their records become the model's input. */
export type StoreData = Pick<SplitSet, 'objectsDir' | 'recordShape' | 'preprocessing' | 'shape' | 'classes' | 'task'>;

/** A subset as a unit carries it: its rows of the record table and its labels. */
export interface Rows {
  readonly table: RecordTable;
  readonly y: Float32Array;
}

export function rowsOf(data: Pick<SplitSet, 'classes' | 'task'>, subset: Subset): Rows {
  return { table: subset.table, y: labelsOf(data, subset) };
}

/** The labels of the samples at `indices`, in that order (`width` values a sample: K for multi-label, else 1). */
export function labelsAt(y: Float32Array, indices: Int32Array, width: number): Float32Array {
  const out = new Float32Array(indices.length * width);
  indices.forEach((i, k) => out.set(y.subarray(i * width, (i + 1) * width), k * width));
  return out;
}

/** The data's JSON part (the objects folder is this machine's: it is not sent, the decoder's cache supplies it). */
export function storeMeta(data: StoreData): Omit<StoreData, 'objectsDir'> {
  return {
    recordShape: data.recordShape,
    preprocessing: data.preprocessing,
    shape: data.shape,
    classes: data.classes,
    ...(data.task !== undefined ? { task: data.task } : {}),
  };
}

export function storeDataOf(meta: Omit<StoreData, 'objectsDir'>, artifact: Artifact): StoreData {
  if (!artifact.objectsDir) {
    throw new MedpipeError('INTERNAL', "A unit's input was decoded without the cache its shards are in.", {
      fix: 'Decode unit inputs with objectsDir set (the worker sets its cache).',
    });
  }
  return { ...meta, objectsDir: artifact.objectsDir };
}

/** Rows as two blobs named `<name>.table` and `<name>.y`. */
export function rowsBlobs(name: string, rows: Rows): Record<string, Uint8Array> {
  return { [`${name}.table`]: encodeTable(rows.table), [`${name}.y`]: bytesOf(rows.y) };
}

export function rowsFrom(name: string, blobs: Readonly<Record<string, Uint8Array>>): Rows {
  return { table: decodeTable(blobs[`${name}.table`]!), y: floatsOf(blobs[`${name}.y`]) };
}

export function intBytes(array: Int32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function intsOf(bytes: Uint8Array | undefined): Int32Array {
  if (!bytes) return new Int32Array(0);
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Int32Array(bytes.slice().buffer);
}
