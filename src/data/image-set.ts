import type { Artifact, Codec } from '../base/artifact.ts';
import type { AugmentPolicy } from './augment-policy.ts';
import type { PreprocessStep } from './preprocessing.ts';
import type { Labelled } from './task.ts';
import type { ImageShape, SampleMeta, SkippedFile, SplitName } from './types.ts';

/** Dataset-level normalization that must be fitted on the training split only (applied by `split`). */
export type DeferredNormalization = { readonly method: 'zscore'; readonly perChannel: boolean };

/** What ingest, normalize and augment pass on: labelled images of one shape. */
export interface ImageSet extends Labelled {
  readonly classes: readonly string[];
  readonly shape: ImageShape;
  readonly samples: readonly SampleMeta[];
  readonly pixels: Float32Array;
  readonly skipped: readonly SkippedFile[];
  /** Per-sample source value range (e.g. [0, 255]); used by `normalize({ method: 'rescale' })`. */
  readonly ranges: Float32Array;
  readonly deferred: readonly DeferredNormalization[];
  readonly augment?: AugmentPolicy;
  /** Steps applied so far, in order (stored with the model so `predict` repeats them). */
  readonly preprocessing: readonly PreprocessStep[];
}

export interface Subset {
  readonly samples: readonly SampleMeta[];
  readonly pixels: Float32Array;
}

/** What `split` passes on: the three subsets plus everything fit/evaluate/predict need to know. */
export interface SplitSet extends Labelled {
  readonly classes: readonly string[];
  readonly shape: ImageShape;
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

export function encodeImageSet(set: ImageSet): Artifact {
  const { pixels, ranges, ...meta } = set;
  return { meta, blobs: { pixels: bytesOf(pixels), ranges: bytesOf(ranges) } };
}

export function decodeImageSet(artifact: Artifact): ImageSet {
  const meta = artifact.meta as Omit<ImageSet, 'pixels' | 'ranges'>;
  return { ...meta, pixels: floatsOf(artifact.blobs.pixels), ranges: floatsOf(artifact.blobs.ranges) };
}

export function encodeSplitSet(set: SplitSet): Artifact {
  const { train, val, test, ...meta } = set;
  return {
    meta: { ...meta, samples: { train: train.samples, val: val.samples, test: test.samples } },
    blobs: { train: bytesOf(train.pixels), val: bytesOf(val.pixels), test: bytesOf(test.pixels) },
  };
}

export function decodeSplitSet(artifact: Artifact): SplitSet {
  const { samples, ...meta } = artifact.meta as Omit<SplitSet, 'train' | 'val' | 'test'> & {
    samples: Record<SplitName, SampleMeta[]>;
  };
  return {
    ...meta,
    train: { samples: samples.train, pixels: floatsOf(artifact.blobs.train) },
    val: { samples: samples.val, pixels: floatsOf(artifact.blobs.val) },
    test: { samples: samples.test, pixels: floatsOf(artifact.blobs.test) },
  };
}

/** How the `images` port stores an ImageSet: the sample list as JSON, pixels and ranges as blobs. */
export const imageSetCodec: Codec<ImageSet> = { encode: encodeImageSet, decode: decodeImageSet };

/** How the `splits` port stores a SplitSet: one pixel blob per split. */
export const splitSetCodec: Codec<SplitSet> = { encode: encodeSplitSet, decode: decodeSplitSet };
