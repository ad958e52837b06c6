/** What the readers return: one decoded image (or slice), its shape and what the file said about it. */

/** [height, width, channels] */
export type ImageShape = readonly [number, number, number];

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
