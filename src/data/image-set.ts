import type { Artifact, Codec } from '../base/artifact.ts';
import { MedpipeError } from '../base/errors.ts';
import type { ObjectRef } from '../base/object-store.ts';
import type { AugmentPolicy } from './augment-policy.ts';
import type { PreprocessStep } from './preprocessing.ts';
import type { Labelled } from './task.ts';
import type { DecodeSpec } from './store/ingest-job.ts';
import { decodeSamples, encodeSamples } from './samples-blob.ts';
import { decodeTable, encodeTable, type RecordTable } from './store/record-table.ts';
import type { ImageShape, SampleMeta, SkippedFile, SplitName } from './types.ts';

/** Dataset-level normalization that must be fitted on the training split only (applied by `split`). */
export type DeferredNormalization = { readonly method: 'zscore'; readonly perChannel: boolean };

/**
 * What ingest, normalize and augment pass on: labelled images of one shape, as a manifest. The
 * pixels stay in the cache's shards, in their stored type; `table` says where each sample's record
 * is, `preprocessing` which steps the loader applies when it reads them. Normalize and augment add
 * steps and policies, never copies. `task` is absent for binary data.
 */
export interface ImageSet extends Labelled {
  readonly classes: readonly string[];
  /** The shape the model sees (after the preprocessing steps). */
  readonly shape: ImageShape;
  /** The shape of the stored records (before windowing stacks channels). */
  readonly recordShape: ImageShape;
  readonly samples: readonly SampleMeta[];
  readonly table: RecordTable;
  /** The cache's objects folder, where the shards are (not stored: the cache supplies it). */
  readonly objectsDir: string;
  readonly skipped: readonly SkippedFile[];
  /** How ingest decoded the files (absent for arrays): a later ingest copies records only under the same spec. */
  readonly decode?: DecodeSpec;
  readonly deferred: readonly DeferredNormalization[];
  readonly augment?: AugmentPolicy;
  /** Steps so far, in order: the loader applies them to every record, and `predict` to new files. */
  readonly preprocessing: readonly PreprocessStep[];
}

/** Some samples of a set (a split, a fold): their metadata and rows. */
export interface Subset {
  readonly samples: readonly SampleMeta[];
  readonly table: RecordTable;
}

/** What `split` passes on: the three subsets plus everything fit/evaluate/predict need to know. */
export interface SplitSet extends Labelled {
  readonly classes: readonly string[];
  readonly shape: ImageShape;
  readonly recordShape: ImageShape;
  readonly objectsDir: string;
  readonly train: Subset;
  readonly val: Subset;
  readonly test: Subset;
  readonly augment?: AugmentPolicy;
  readonly preprocessing: readonly PreprocessStep[];
  /** Samples per class in each split (multi-label: samples with each finding). */
  readonly counts: Readonly<Record<SplitName, readonly number[]>>;
  readonly audit: { readonly duplicateContent: number; readonly sharedGroups: number; readonly examples: readonly string[] };
}

export function sampleSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}

export function bytesOf(array: Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** A Float32Array over stored bytes, copying when the bytes are not 4-byte aligned. */
export function floatsOf(bytes: Uint8Array | undefined): Float32Array {
  if (!bytes) return new Float32Array(0);
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(bytes.slice().buffer);
}

function objectsOf(artifact: Artifact): string {
  if (!artifact.objectsDir) {
    throw new MedpipeError('INTERNAL', 'A dataset was decoded without the cache it lives in.', { fix: 'Load datasets through the cache (CacheStore.load sets objectsDir).' });
  }
  return artifact.objectsDir;
}

/** The shards the tables name, each once. */
export const uniqueShards = (...tables: RecordTable[]): ObjectRef[] => [...new Map(tables.flatMap((t) => t.shards.map((s) => [s.hash, s] as const))).values()];

export function encodeImageSet(set: ImageSet): Artifact {
  const { samples, table, objectsDir: _where, ...meta } = set;
  return { meta, blobs: { samples: encodeSamples(samples), table: encodeTable(table) }, refs: uniqueShards(table) };
}

export function decodeImageSet(artifact: Artifact): ImageSet {
  const meta = artifact.meta as Omit<ImageSet, 'samples' | 'table' | 'objectsDir'>;
  return { ...meta, samples: decodeSamples(artifact.blobs.samples!), table: decodeTable(artifact.blobs.table!), objectsDir: objectsOf(artifact) };
}

export function encodeSplitSet(set: SplitSet): Artifact {
  const { train, val, test, objectsDir: _where, ...meta } = set;
  const blobs: Record<string, Uint8Array> = {};
  for (const [name, subset] of [['train', train], ['val', val], ['test', test]] as const) {
    blobs[`${name}.samples`] = encodeSamples(subset.samples);
    blobs[`${name}.table`] = encodeTable(subset.table);
  }
  return { meta, blobs, refs: uniqueShards(train.table, val.table, test.table) };
}

export function decodeSplitSet(artifact: Artifact): SplitSet {
  const meta = artifact.meta as Omit<SplitSet, 'train' | 'val' | 'test' | 'objectsDir'>;
  const subset = (name: string): Subset => ({ samples: decodeSamples(artifact.blobs[`${name}.samples`]!), table: decodeTable(artifact.blobs[`${name}.table`]!) });
  return { ...meta, objectsDir: objectsOf(artifact), train: subset('train'), val: subset('val'), test: subset('test') };
}

/** How the `images` port stores an ImageSet: the manifest as meta, samples and rows as blobs, the shards by reference. */
export const imageSetCodec: Codec<ImageSet> = { encode: encodeImageSet, decode: decodeImageSet };

/** How the `splits` port stores a SplitSet: per split its samples and rows; the shards by reference. */
export const splitSetCodec: Codec<SplitSet> = { encode: encodeSplitSet, decode: decodeSplitSet };
