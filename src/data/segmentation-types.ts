/**
 * What segmentation stages pass around in memory: an image with its label map and optional region
 * of interest, all of one height and width. Pixels are float32 channels-last; masks hold class
 * indices (0 = background); the ROI is 1 inside (e.g. DRIVE's field of view) and 0 outside.
 */
import type { SplitName } from './types.ts';

export interface SegmentationSample {
  /** Stable id: the image path relative to its folder. */
  readonly id: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly pixels: Float32Array;
  readonly mask: Uint8Array;
  readonly roi?: Uint8Array;
  /** A second observer's label map of the same image, when the data has one. */
  readonly observer?: Uint8Array;
  /** Split given by the data (DRIVE's training/ and test/ folders), if any. */
  readonly split?: SplitName;
  /** [dy, dx] of a pixel when the sample has its own (a NIfTI slice); else the set's spacing applies. */
  readonly spacing?: readonly [number, number];
  /** The label maps at the files' own size, when ingest resized the sample (evaluate scores there). */
  readonly original?: OriginalLabels;
}

/**
 * A resized sample's files as they were: their size, one original pixel's [dy, dx] (the configured
 * spacing scaled back, or [1, 1] pixels when none was given) and its label maps at that size, never
 * interpolated; `T` is the maps themselves or, in a stored set, their rows.
 */
export interface Original<T> {
  readonly height: number;
  readonly width: number;
  readonly spacing: readonly [number, number];
  readonly mask: T;
  readonly roi?: T;
  readonly observer?: T;
}

export type OriginalLabels = Original<Uint8Array>;
