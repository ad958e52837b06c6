import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * What a label means: 'binary' (two classes, one sigmoid), 'multiclass' (K exclusive classes,
 * softmax), 'ordinal' (K ordered grades: trained as multi-class, ordinal metrics reported) or
 * 'multilabel' (K independent findings, K sigmoids). Stating it lets the types reject options of
 * another task (a positiveClass on a multi-class pipeline does not compile).
 * @default inferred from the data: two classes binary, three or more multiclass, numbered grade
 * folders ("0".."4", "grade_1"..) ordinal, |-separated or 0/1 finding columns multilabel (the log says which)
 */
const task = z.enum(['binary', 'multiclass', 'ordinal', 'multilabel']).optional();

/** How files become samples; shared by ingest.folder and ingest.csv. */
const decodeOptions = {
  /** Resize every image to [height, width]. @default [64, 64] (the tutorial's input) */
  size: z.tuple([positiveInt, positiveInt]).readonly().optional(),
  /** 1 = grayscale, 3 = RGB (grey images are replicated). @default 3 (the tutorial's input) */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  /** 'fail' stops with an error naming the file; 'skip' leaves it out and lists it in the run report. @default 'fail' */
  onBadFile: z.enum(['fail', 'skip']).optional(),
  /** Files decoded at once. @default 4 */
  concurrency: positiveInt.optional(),
  /**
   * Multi-slice inputs (NIfTI volumes, multi-frame DICOM): the NIfTI axis to slice across (0, 1,
   * 2 = axial) and which slices become samples: all, a 0-based range [start, end), or every n-th.
   * Sample ids keep the original slice index (`file#k`). With `stack: n`, a whole volume (its
   * selected slices, resampled linearly to n) becomes ONE sample of n channels ("2.5D" input; needs
   * channels: 1). @default { axis: 2, slices: 'all' } (one sample per slice)
   */
  volume: z
    .strictObject({
      axis: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
      slices: z
        .union([
          z.literal('all'),
          z.strictObject({ start: z.number().int().min(0), end: z.number().int().min(1) }).refine((s) => s.end > s.start, { error: 'volume.slices needs start < end' }),
          z.strictObject({ every: positiveInt }),
        ])
        .optional(),
      stack: positiveInt.optional(),
    })
    .optional(),
};

/** volume.stack turns the slices into channels, so the slices themselves must be single-channel. */
const stackNeedsGrey = (config: { channels?: number; volume?: { stack?: number } }) => config.volume?.stack === undefined || config.channels === 1;
const stackNeedsGreyError = { error: 'volume.stack needs channels: 1 (the stacked slices become the channels)', path: ['channels'] };

export const folderIngestConfigSchema = z
  .strictObject({
    /** Data folder: `<class>/...` or `<train|val|test>/<class>/...`. Relative paths resolve against the pipeline file's folder. */
    root: z.string(),
    /** Class names in label order (binary: [negative, positive]; ordinal: lowest grade first). @default the folder names, sorted (grades by number) */
    classes: z.array(z.string()).readonly().optional(),
    task,
    /** Extra folder-name → class mapping, e.g. { NORMAL: 'normal', PNEUMONIA: 'pneumonia' }. */
    labelMap: z.record(z.string(), z.string()).readonly().optional(),
    /** File extensions to read. @default png, jpg, jpeg, tif, tiff, bmp, webp, dcm, nii, nii.gz and extension-less DICOM */
    extensions: z.array(z.string()).readonly().optional(),
    /** Group key (e.g. patient) from the relative path: the first capture group of this regex. */
    groupPattern: z
      .string()
      .refine((p) => { try { new RegExp(p); return true; } catch { return false; } }, { error: (issue) => `groupPattern is not a valid regular expression: ${String(issue.input)}` })
      .optional(),
    ...decodeOptions,
  })
  .refine(stackNeedsGrey, stackNeedsGreyError);

export const csvIngestConfigSchema = z
  .strictObject({
    /**
     * CSV with a header: path,label[,group][,split][,slice]; paths relative to the CSV's folder.
     * `slice` (0-based) labels one slice of a multi-slice file (NIfTI volume, multi-frame DICOM); a
     * file may appear on several rows with different slices. Without it, every slice gets the row's label.
     * Multi-label: a label of findings separated by `|` ("effusion|nodule", empty for none), or no
     * label column and one 0/1 column per finding.
     */
    csv: z.string(),
    /** Class (or finding) names in label order. @default the labels found, sorted */
    classes: z.array(z.string()).readonly().optional(),
    task,
    /** Multi-label: the 0/1 columns, one per finding. @default every column other than path, group, split and slice whose values are all 0 or 1, when there is no label column */
    findings: z.array(z.string()).min(1).readonly().optional(),
    ...decodeOptions,
  })
  .refine(stackNeedsGrey, stackNeedsGreyError);

export const npzIngestConfigSchema = z.strictObject({
  /** A `.npz` in the MedMNIST layout (train_images, train_labels, val_..., test_...). */
  file: z.string(),
  /** @default the arrays' own size */
  size: z.tuple([positiveInt, positiveInt]).readonly().optional(),
  /** @default the arrays' own channel count */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  /** Class names by label value. @default ['0', '1', ...] */
  classes: z.array(z.string()).readonly().optional(),
  /** @default binary for two label values, multiclass for more (numbers in arrays say nothing about order: set 'ordinal' for grades), multilabel for (N, K) label arrays */
  task,
});

export type FolderIngestConfig = z.infer<typeof folderIngestConfigSchema>;
export type CsvIngestConfig = z.infer<typeof csvIngestConfigSchema>;
export type NpzIngestConfig = z.infer<typeof npzIngestConfigSchema>;
export type OnBadFile = 'fail' | 'skip';
export type DecodeConfig = FolderIngestConfig | CsvIngestConfig;
