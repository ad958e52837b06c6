import { readImage } from '../io/read-image.ts';
import { listFolder } from './file-listing.ts';
import { listingTask } from './listing-task.ts';
import type { InferredTask } from './task.ts';

/** What `medpipe init` learns about a folder-per-class data set before writing a pipeline for it. */
export interface FolderSurvey {
  readonly classes: readonly string[];
  readonly task: InferredTask;
  /** Images per class, in class order. */
  readonly counts: readonly number[];
  readonly total: number;
  /** The data's own split folders as named on disk (e.g. ['Testing', 'Training']); empty when the layout is <class>/. */
  readonly splitFolders: readonly string[];
  /** Whether the layout includes a validation folder. */
  readonly hasValidation: boolean;
  /** Height × width of the sampled images: the smallest and the largest. */
  readonly sizes: { readonly min: readonly [number, number]; readonly max: readonly [number, number] };
  /** Sampled images that carry colour, of those sampled (RGB files whose channels are equal count as grey). */
  readonly colour: { readonly sampled: number; readonly coloured: number };
}

/** The largest channel difference of an RGB image, ≤ 2 grey levels counting as grey (JPEG noise). */
function isColoured(data: Float32Array, channels: number): boolean {
  if (channels < 3) return false;
  for (let i = 0; i + 2 < data.length; i += channels) {
    if (Math.abs(data[i]! - data[i + 1]!) > 2 || Math.abs(data[i + 1]! - data[i + 2]!) > 2) return true;
  }
  return false;
}

/**
 * Lists a folder-per-class data set (optionally inside train/val/test folders), infers its task
 * and samples up to `perClass` images of each class (spread over the sorted list) for their size and
 * whether they carry colour. Reads only the sampled files' pixels.
 * @example
 *   const s = await surveyFolder('../shared/data/brain-tumor-mri'); // 4 classes, 7019 images, grey
 */
export async function surveyFolder(root: string, perClass = 6): Promise<FolderSurvey> {
  const listing = await listFolder({ root }, process.cwd());
  const counts = listing.classes.map((c) => listing.files.filter((f) => f.className === c).length);
  const order = { train: 0, val: 1, test: 2 } as const;
  const splitFolders = [...new Map(listing.files.flatMap((f) => (f.split ? [[f.rel.split('/')[0]!, order[f.split]] as const] : []))).entries()].sort((a, b) => a[1] - b[1]).map(([folder]) => folder);
  let min: [number, number] = [Infinity, Infinity];
  let max: [number, number] = [0, 0];
  let sampled = 0;
  let coloured = 0;
  for (const name of listing.classes) {
    const files = listing.files.filter((f) => f.className === name);
    const step = Math.max(1, Math.floor(files.length / perClass));
    for (let i = 0; i < files.length && i / step < perClass; i += step) {
      try {
        const image = await readImage(files[i]!.abs);
        const [h, w, c] = image.shape;
        min = [Math.min(min[0], h), Math.min(min[1], w)];
        max = [Math.max(max[0], h), Math.max(max[1], w)];
        sampled++;
        if (isColoured(image.data, c)) coloured++;
      } catch {
        // an unreadable file is ingest's to report (onBadFile); the survey only samples
      }
    }
  }
  return {
    classes: listing.classes,
    task: listingTask(listing, undefined),
    counts,
    total: listing.files.length,
    splitFolders,
    hasValidation: listing.files.some((f) => f.split === 'val'),
    sizes: { min: sampled ? min : [0, 0], max },
    colour: { sampled, coloured },
  };
}
