/** The data that flows between the data stages. Pixels are float32, channels-last (NHWC). */
import type { ImageShape } from '../io/types.ts';

export type { DecodedImage, ImageMeta, ImageShape } from '../io/types.ts';

export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** Folder names (lower case) and CSV values that mean a split, e.g. `validation/` → 'val'. */
export const SPLIT_FOLDERS: Readonly<Record<string, SplitName>> = { train: 'train', training: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test', testing: 'test' };

export interface SampleMeta {
  /** Stable id: the file path relative to the data root (or `npz:<split>:<index>`). */
  readonly id: string;
  /** The path the user gave plus the file's relative path; never anything from inside the file. */
  readonly file: string;
  /** Class index into `classes`; -1 in a multi-label set (see `labels`). */
  readonly label: number;
  /** Multi-label sets only: 0/1 per finding of `classes` (a multi-hot vector). */
  readonly labels?: readonly number[];
  /** Split given by the data's own layout (train/val/test folders or arrays), if any. */
  readonly split?: SplitName;
  /** Group key (e.g. patient); one group never lands in two splits. */
  readonly group?: string;
  /**
   * Non-identifying metadata for subgroup analysis (extra CSV columns, DICOM sex / age band /
   * manufacturer / view, the source folder); never patient names or IDs.
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A set of images of one shape in one contiguous buffer: sample i is pixels[i*size, (i+1)*size). */
export interface ImageBatch {
  readonly samples: readonly SampleMeta[];
  readonly pixels: Float32Array;
}

export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}
