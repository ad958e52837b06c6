import { stageNode, type Images, type Start, type StageNode } from '../pipeline.ts';

export type OnBadFile = 'fail' | 'skip';

interface DecodeOptions {
  /** Resize every image to [height, width]. @default [64, 64] (the tutorial's input) */
  readonly size?: readonly [number, number];
  /** 1 = grayscale, 3 = RGB (grey images are replicated). @default 3 (the tutorial's input) */
  readonly channels?: 1 | 3;
  /** 'fail' stops with an error naming the file; 'skip' leaves it out and lists it in the run report. @default 'fail' */
  readonly onBadFile?: OnBadFile;
  /** Files decoded at once. @default 4 */
  readonly concurrency?: number;
  /**
   * Multi-slice inputs (NIfTI volumes, multi-frame DICOM): the NIfTI axis to slice across (0, 1,
   * 2 = axial) and which slices become samples: all, a 0-based range [start, end), or every n-th.
   * Sample ids keep the original slice index (`file#k`). With `stack: n`, a whole volume (its
   * selected slices, resampled linearly to n) becomes ONE sample of n channels ("2.5D" input; needs
   * channels: 1). @default { axis: 2, slices: 'all' } (one sample per slice)
   */
  readonly volume?: {
    readonly axis?: 0 | 1 | 2;
    readonly slices?: 'all' | { readonly start: number; readonly end: number } | { readonly every: number };
    readonly stack?: number;
  };
}

export interface FolderIngestConfig extends DecodeOptions {
  /** Data folder: `<class>/...` or `<train|val|test>/<class>/...`. Relative paths resolve against the pipeline file's folder. */
  readonly root: string;
  /** Class names in label order (binary: [negative, positive]). @default the folder names, sorted */
  readonly classes?: readonly string[];
  /** Extra folder-name → class mapping, e.g. { NORMAL: 'normal', PNEUMONIA: 'pneumonia' }. */
  readonly labelMap?: Readonly<Record<string, string>>;
  /** File extensions to read. @default png, jpg, jpeg, tif, tiff, bmp, webp, dcm, nii, nii.gz and extension-less DICOM */
  readonly extensions?: readonly string[];
  /** Group key (e.g. patient) from the relative path: the first capture group of this regex. */
  readonly groupPattern?: string;
}

export interface CsvIngestConfig extends DecodeOptions {
  /**
   * CSV with a header: path,label[,group][,split][,slice]; paths relative to the CSV's folder.
   * `slice` (0-based) labels one slice of a multi-slice file (NIfTI volume, multi-frame DICOM); a
   * file may appear on several rows with different slices. Without it, every slice gets the row's label.
   */
  readonly csv: string;
  readonly classes?: readonly string[];
}

export interface NpzIngestConfig {
  /** A `.npz` in the MedMNIST layout (train_images, train_labels, val_..., test_...). */
  readonly file: string;
  /** @default the arrays' own size */
  readonly size?: readonly [number, number];
  /** @default the arrays' own channel count */
  readonly channels?: 1 | 3;
  /** Class names by label value. @default ['0', '1', ...] */
  readonly classes?: readonly string[];
}

/**
 * Reads a labelled image folder, a CSV of files, or MedMNIST-style arrays.
 * @example
 *   ingest.folder({ root: '../shared/data/pneumoniamnist/images', size: [64, 64], channels: 3 })
 */
export const ingest = {
  folder: (config: FolderIngestConfig): StageNode<Start, Images, 'ingest.folder', FolderIngestConfig> =>
    stageNode('ingest.folder', config, { in: 'an empty pipeline', out: 'images' }, 'ingest'),
  csv: (config: CsvIngestConfig): StageNode<Start, Images, 'ingest.csv', CsvIngestConfig> =>
    stageNode('ingest.csv', config, { in: 'an empty pipeline', out: 'images' }, 'ingest'),
  npz: (config: NpzIngestConfig): StageNode<Start, Images, 'ingest.npz', NpzIngestConfig> =>
    stageNode('ingest.npz', config, { in: 'an empty pipeline', out: 'images' }, 'ingest'),
};
