/**
 * Pixel overlap metrics of a predicted label map against the truth, per class, counted only inside
 * a region of interest when one is given (DRIVE's field of view). Each equals scikit-learn's metric on
 * the flattened pixels with that class as the positive label (`f1_score`, `jaccard_score`,
 * `recall_score`, `precision_score`, and specificity = recall of the other pixels), with
 * `zero_division=np.nan`: a metric whose denominator is 0 (e.g. Dice when neither mask has the
 * class) is undefined, reported as null and left out of means.
 */
import { checkSameSize, type LabelMap } from './mask.ts';

export interface OverlapCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

export interface OverlapMetrics extends OverlapCounts {
  /** 2TP / (2TP + FP + FN) = pixel F1. */
  readonly dice: number | null;
  /** TP / (TP + FP + FN) (Jaccard). */
  readonly iou: number | null;
  /** TP / (TP + FN) (recall). */
  readonly sensitivity: number | null;
  /** TN / (TN + FP). */
  readonly specificity: number | null;
  /** TP / (TP + FP). */
  readonly precision: number | null;
}

export const OVERLAP_DEFINITIONS = {
  dice: 'Dice = pixel F1 = 2TP / (2TP + FP + FN), pixels inside the ROI; null when 2TP + FP + FN = 0',
  iou: 'IoU (Jaccard) = TP / (TP + FP + FN), pixels inside the ROI; null when the union is empty',
  sensitivity: 'sensitivity = TP / (TP + FN); null when the truth has no pixel of the class',
  specificity: 'specificity = TN / (TN + FP); null when every ROI pixel is of the class',
  precision: 'precision = TP / (TP + FP); null when nothing was predicted as the class',
} as const;

/** Confusion counts of class `label` (one-vs-rest) inside `roi` (non-zero pixels). */
export function overlapCounts(truth: LabelMap, predicted: LabelMap, label: number, roi?: LabelMap): OverlapCounts {
  checkSameSize('segmentation metrics (truth vs prediction)', truth, predicted);
  if (roi) checkSameSize('segmentation metrics (truth vs region of interest)', truth, roi);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const n = truth.height * truth.width;
  for (let i = 0; i < n; i++) {
    if (roi && roi.data[i] === 0) continue;
    const t = truth.data[i] === label;
    const p = predicted.data[i] === label;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

export function overlapMetrics(counts: OverlapCounts): OverlapMetrics {
  const { tp, fp, fn, tn } = counts;
  return {
    ...counts,
    dice: ratio(2 * tp, 2 * tp + fp + fn),
    iou: ratio(tp, tp + fp + fn),
    sensitivity: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    precision: ratio(tp, tp + fp),
  };
}

/** Sums counts over images: the pooled ("micro") metrics treat every ROI pixel of the set as one sample. */
export function addCounts(a: OverlapCounts, b: OverlapCounts): OverlapCounts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn };
}

export const ZERO_COUNTS: OverlapCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
