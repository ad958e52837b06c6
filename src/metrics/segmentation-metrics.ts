/**
 * Segmentation scores of one image (per class: overlap and surface distances inside the ROI) and of a
 * set of images (mean over images with its spread, and pooled over all ROI pixels).
 */
import { meanStd } from './mean-std.ts';
import { binaryOf, checkSameSize, type LabelMap, type Spacing } from './mask.ts';
import { normalQuantile } from './normal.ts';
import { addCounts, overlapCounts, overlapMetrics, ZERO_COUNTS, type OverlapCounts, type OverlapMetrics } from './segmentation-overlap.ts';
import { surfaceDistances, type SurfaceDistances } from './surface-distance.ts';

export interface ClassScores extends OverlapMetrics, SurfaceDistances {}

export interface ImageScores {
  readonly id: string;
  /** Per foreground class name. */
  readonly classes: Readonly<Record<string, ClassScores>>;
}

export interface SegmentationScoreOptions {
  /** Names of classes 0..K; class 0 (background) is not scored. */
  readonly classNames: readonly string[];
  readonly spacing?: Spacing;
  /** NSD tolerance. @default 1 */
  readonly tolerance?: number;
}

/** Scores one image: every foreground class against the truth, inside `roi` when given. */
export function scoreImage(id: string, truth: LabelMap, predicted: LabelMap, roi: LabelMap | undefined, options: SegmentationScoreOptions): ImageScores {
  checkSameSize(`segmentation metrics of ${id}`, truth, predicted);
  const classes: Record<string, ClassScores> = {};
  for (let k = 1; k < options.classNames.length; k++) {
    const overlap = overlapMetrics(overlapCounts(truth, predicted, k, roi));
    const surface = surfaceDistances(binaryOf(truth, k, roi), binaryOf(predicted, k, roi), truth.height, truth.width, {
      spacing: options.spacing,
      tolerance: options.tolerance,
    });
    classes[options.classNames[k]] = { ...overlap, ...surface };
  }
  return { id, classes };
}

export interface Aggregate {
  readonly mean: number | null;
  readonly std: number | null;
  /** Images where the metric is defined. */
  readonly n: number;
  /** mean ± z₀.₉₇₅·std/√n (normal approximation over images); null for n < 2. */
  readonly ci95: readonly [number, number] | null;
}

export const AGGREGATE_DEFINITION =
  'mean over the images where the metric is defined (null ones left out), sample std (n−1), 95% CI = mean ± 1.96·std/√n (normal approximation)';

export function aggregate(values: readonly (number | null)[]): Aggregate {
  const { mean, std, n } = meanStd(values);
  if (n === 0) return { mean: null, std: null, n, ci95: null };
  if (n < 2) return { mean, std: null, n, ci95: null };
  const half = (normalQuantile(0.975) * std) / Math.sqrt(n);
  return { mean, std, n, ci95: [mean - half, mean + half] };
}

export const SCORED_KEYS = ['dice', 'iou', 'sensitivity', 'specificity', 'precision', 'hd95', 'assd', 'nsd'] as const;
export type ScoredKey = (typeof SCORED_KEYS)[number];

export interface ClassSummary {
  /** Mean over images. */
  readonly perImage: Readonly<Record<ScoredKey, Aggregate>>;
  /** Overlap metrics of all ROI pixels of all images counted together. */
  readonly pooled: OverlapMetrics;
}

/** Per class: the mean over images of every metric, and the pooled pixel metrics. */
export function summarizeScores(images: readonly ImageScores[], classNames: readonly string[]): Record<string, ClassSummary> {
  const out: Record<string, ClassSummary> = {};
  for (const name of classNames.slice(1)) {
    const rows = images.map((im) => im.classes[name]);
    const perImage = Object.fromEntries(SCORED_KEYS.map((key) => [key, aggregate(rows.map((r) => r[key]))])) as Record<ScoredKey, Aggregate>;
    const counts = rows.reduce<OverlapCounts>((acc, r) => addCounts(acc, r), ZERO_COUNTS);
    out[name] = { perImage, pooled: overlapMetrics({ tp: counts.tp, fp: counts.fp, fn: counts.fn, tn: counts.tn }) };
  }
  return out;
}
