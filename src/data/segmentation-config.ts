import { z } from 'zod';

const positiveInt = z.number().int().positive();
const fraction = z.number().min(0).max(1);

/** One folder of images with its masks (and ROI masks), paired by a name template. */
export const segmentationSourceSchema = z.strictObject({
  /** Folder of images (PNG, JPEG, TIFF, GIF, …). */
  images: z.string().min(1),
  /** Folder of masks drawn on those images. */
  masks: z.string().min(1),
  /** Folder of region-of-interest masks (e.g. DRIVE's field of view); training and scores stay inside them. @default none */
  roi: z.string().min(1).optional(),
  /**
   * How names pair up: templates with `{id}`, e.g. `{ image: '{id}_training.tif', mask: '{id}_manual1.gif',
   * roi: '{id}_training_mask.gif' }`. @default the same name stem in every folder (`{id}.*`)
   */
  match: z.strictObject({ image: z.string().includes('{id}'), mask: z.string().includes('{id}'), roi: z.string().includes('{id}').optional() }).optional(),
  /**
   * A second observer's masks of the same images (DRIVE's test/2nd_manual, `match: '{id}_manual2.gif'`):
   * evaluate scores them against the truth exactly as it scores the model, the human-agreement line. @default none
   */
  observer: z.strictObject({ masks: z.string().min(1), match: z.string().includes('{id}').optional() }).optional(),
  /** The split these images belong to (DRIVE: training/ → 'train', test/ → 'test'). @default none: split assigns it */
  split: z.enum(['train', 'val', 'test']).optional(),
});

/** A CSV of pairs: columns image, mask and optionally roi, split (train/val/test), group (e.g. patient); paths relative to the CSV's folder. */
export const segmentationCsvSourceSchema = z.strictObject({
  csv: z.string().min(1),
});

/** ingest.segmentation's options. */
export const segmentationIngestSchema = z.strictObject({
  /** One or more image/mask folders. */
  sources: z.array(z.union([segmentationSourceSchema, segmentationCsvSourceSchema])).min(1),
  /** Class names, background first: mask value k (label maps) or foreground (binary masks) is class k. @default ['background', 'foreground'] */
  classes: z.array(z.string().min(1)).min(2).optional(),
  /** 'binary': grey ≥ 128 is foreground (0/255 masks); 'labels': the pixel value is the class index. @default 'binary' */
  maskKind: z.enum(['binary', 'labels']).optional(),
  /** Resize images (bilinear) and masks (nearest neighbour) to [height, width]. @default the images' own size (all must agree) */
  size: z.tuple([positiveInt, positiveInt]).readonly().optional(),
  /** 1 = grey, 3 = RGB; 'green' keeps RGB's green channel (the usual input for fundus vessels). @default 3 */
  channels: z.union([z.literal(1), z.literal(3), z.literal('green')]).optional(),
  /** Physical pixel size [dy, dx] of the stored images (after resizing), for surface distances in that unit. @default [1, 1] (pixels) */
  spacing: z.tuple([z.number().positive(), z.number().positive()]).readonly().optional(),
});

export type SegmentationIngestConfig = z.infer<typeof segmentationIngestSchema>;
export type SegmentationSource = z.infer<typeof segmentationSourceSchema>;
export type SegmentationCsvSource = z.infer<typeof segmentationCsvSourceSchema>;

/** split.segmentation's options: whole images go to one split. */
export const segmentationSplitSchema = z.strictObject({
  /** Fractions for images without a split of their own; images of one group (a CSV's group column) stay together. @default { train: 0.6, val: 0.2, test: 0.2 } */
  fractions: z.strictObject({ train: fraction, val: fraction, test: fraction }).optional(),
  /** Share of the data's own training images moved to validation when the data has no validation split. @default 0.2 */
  valFromTrain: fraction.optional(),
  /** Intensity scaling of every image: 'rescale' divides by the source range (→ [0, 1]); 'zscore' standardises each image by its own ROI mean and std. @default 'zscore' */
  intensity: z.enum(['rescale', 'zscore']).optional(),
  /**
   * Contrast enhancement before the intensity scaling, per channel on 8-bit levels (src/data/enhance.ts):
   * `clahe` = OpenCV's CLAHE (clipLimit relative to a flat histogram, tiles [rows, columns]); `gamma`: v → 255·(v/255)^gamma.
   * Retina-UNet's recipe is `{ clahe: { clipLimit: 2, tiles: [8, 8] }, gamma: 1 / 1.2 }`. @default none
   */
  enhance: z
    .strictObject({
      clahe: z.strictObject({ clipLimit: z.number().min(0).optional(), tiles: z.tuple([positiveInt, positiveInt]).readonly().optional() }).optional(),
      gamma: z.number().positive().optional(),
    })
    .optional(),
});

export type SegmentationSplitConfig = z.infer<typeof segmentationSplitSchema>;
