/** The data that flows between the data stages. Pixels are float32, channels-last (NHWC). */

export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** Folder names (lower case) and CSV values that mean a split, e.g. `validation/` → 'val'. */
export const SPLIT_FOLDERS: Readonly<Record<string, SplitName>> = { train: 'train', training: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test', testing: 'test' };

/** [height, width, channels] */
export type ImageShape = readonly [number, number, number];

export interface SampleMeta {
  /** Stable id: the file path relative to the data root (or `npz:<split>:<index>`). */
  readonly id: string;
  /** The path the user gave plus the file's relative path; never anything from inside the file. */
  readonly file: string;
  /** Class index into `classes`. */
  readonly label: number;
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

/** Decoded image as returned by `readImage`: values are real numbers (HU for CT), channels-last. */
export interface DecodedImage {
  readonly data: Float32Array;
  readonly shape: ImageShape;
  readonly meta: ImageMeta;
}

export interface ImageMeta {
  readonly format: 'png' | 'jpeg' | 'tiff' | 'webp' | 'gif' | 'dicom' | 'nifti' | 'npy' | 'other';
  /** Bits per stored sample of the source (8, 16, ...). */
  readonly bitDepth?: number;
  /** Photometric interpretation / colour space of the source. */
  readonly photometric?: string;
  /** Value range of the source type, e.g. [0, 255] for 8-bit, used by min-max scaling. */
  readonly range?: readonly [number, number];
  /** Modality (DICOM), e.g. 'CT'. */
  readonly modality?: string;
  /** DICOM window from the file, if present. */
  readonly window?: { readonly center: number; readonly width: number };
  /** Grouping keys that are safe to store: salted hashes, never raw patient identifiers. */
  readonly groupKeys?: Readonly<Record<string, string>>;
  /** Number of frames / slices the file holds (DICOM multi-frame, NIfTI). */
  readonly frames?: number;
  readonly [extra: string]: unknown;
}
