/**
 * Scores a trained segmentation model on whole images: sliding-window probabilities, a threshold
 * (fixed, or chosen on the validation images and frozen before test), per-image and aggregated
 * metrics inside the ROI (src/metrics), and the pixel ROC AUC pooled over all test pixels in the ROI.
 */
import type * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';
import type { SegmentationSample } from '../data/segmentation-types.ts';
import { rocAuc } from '../metrics/roc-curve.ts';
import { AGGREGATE_DEFINITION, scoreImage, summarizeScores, type ClassSummary, type ImageScores } from '../metrics/segmentation-metrics.ts';
import { OVERLAP_DEFINITIONS, overlapCounts, overlapMetrics } from '../metrics/segmentation-overlap.ts';
import { SURFACE_DEFINITIONS } from '../metrics/surface-distance.ts';
import { labelsOf, slidingWindowPredict } from './sliding-window.ts';

export interface SegmentationEvaluationOptions {
  readonly classes: readonly string[];
  readonly patch: number;
  readonly overlap: number;
  readonly threshold: number | 'validation';
  readonly tolerance: number;
  readonly spacing: readonly [number, number];
  readonly signal?: AbortSignal;
  readonly progress?: (done: number, total: number) => void;
}

export interface SegmentationMetricsDocument {
  readonly task: 'segmentation';
  readonly classes: readonly string[];
  readonly images: number;
  readonly threshold: number;
  readonly thresholdRule: string;
  readonly spacing: readonly [number, number];
  readonly unit: string;
  readonly tolerance: number;
  readonly roi: boolean;
  readonly definitions: Readonly<Record<string, string>>;
  /** Per foreground class: mean ± CI over images, pooled pixel metrics, and the pixel ROC AUC (binary). */
  readonly summary: Readonly<Record<string, ClassSummary & { readonly auc?: number | null }>>;
  readonly perImage: readonly ImageScores[];
  /** Test images with the highest and lowest Dice of the first foreground class. */
  readonly best: string | null;
  readonly worst: string | null;
  readonly validation?: { readonly images: number; readonly meanDice: number | null };
  /** A second observer's masks scored against the truth exactly as the model's predictions (test images that have one). */
  readonly humanAgreement?: { readonly images: number; readonly summary: Readonly<Record<string, ClassSummary>>; readonly perImage: readonly ImageScores[] };
}

export interface PredictedMask {
  readonly id: string;
  readonly mask: Uint8Array;
}

const THRESHOLDS = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

async function probabilities(
  model: tf.LayersModel,
  samples: readonly SegmentationSample[],
  options: SegmentationEvaluationOptions,
  onDone?: () => void,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const s of samples) {
    if (options.signal?.aborted) throw new MedpipeError('CANCELLED', 'Evaluation was cancelled.', { cause: options.signal.reason });
    out.push(await slidingWindowPredict(model, s.pixels, [s.height, s.width, s.channels], { size: options.patch, overlap: options.overlap }));
    onDone?.();
  }
  return out;
}

function meanDiceAt(
  samples: readonly SegmentationSample[],
  probs: readonly Float32Array[],
  outChannels: number,
  classes: number,
  threshold: number,
): number | null {
  const values: number[] = [];
  samples.forEach((s, i) => {
    const predicted = { height: s.height, width: s.width, data: labelsOf(probs[i], s.height * s.width, outChannels, threshold) };
    const truth = { height: s.height, width: s.width, data: s.mask };
    const roi = s.roi ? { height: s.height, width: s.width, data: s.roi } : undefined;
    for (let k = 1; k < classes; k++) {
      const d = overlapMetrics(overlapCounts(truth, predicted, k, roi)).dice;
      if (d !== null) values.push(d);
    }
  });
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export async function evaluateSegmentation(
  model: tf.LayersModel,
  test: readonly SegmentationSample[],
  val: readonly SegmentationSample[],
  options: SegmentationEvaluationOptions,
): Promise<{ document: SegmentationMetricsDocument; predictions: PredictedMask[] }> {
  const classes = options.classes.length;
  const outChannels = classes === 2 ? 1 : classes;
  let done = 0;
  const total = test.length + (options.threshold === 'validation' && classes === 2 ? val.length : 0);
  const tick = () => options.progress?.(++done, total);
  let threshold = typeof options.threshold === 'number' ? options.threshold : 0.5;
  let thresholdRule = typeof options.threshold === 'number' ? 'fixed in the config' : 'arg-max over classes';
  let validation: SegmentationMetricsDocument['validation'];
  if (classes === 2 && options.threshold === 'validation') {
    if (val.length > 0) {
      const valProbs = await probabilities(model, val, options, tick);
      let best = -1;
      for (const t of THRESHOLDS) {
        const d = meanDiceAt(val, valProbs, outChannels, classes, t) ?? -1;
        if (d > best) ((best = d), (threshold = t));
      }
      thresholdRule = `maximises the mean validation Dice over thresholds 0.05, 0.10, …, 0.95 (chosen on ${val.length} validation images, frozen before test)`;
      validation = { images: val.length, meanDice: best >= 0 ? best : null };
    } else thresholdRule = '0.5 (no validation images to choose one on)';
  } else if (classes === 2) thresholdRule = typeof options.threshold === 'number' ? 'fixed in the config' : '0.5';
  const testProbs = await probabilities(model, test, options, tick);
  const perImage: ImageScores[] = [];
  const predictions: PredictedMask[] = [];
  const pooledLabels: number[] = [];
  const pooledScores: number[] = [];
  test.forEach((s, i) => {
    const mask = labelsOf(testProbs[i], s.height * s.width, outChannels, threshold);
    predictions.push({ id: s.id, mask });
    const map = (data: ArrayLike<number>) => ({ height: s.height, width: s.width, data });
    perImage.push(
      scoreImage(s.id, map(s.mask), map(mask), s.roi ? map(s.roi) : undefined, {
        classNames: options.classes,
        spacing: options.spacing,
        tolerance: options.tolerance,
      }),
    );
    if (classes === 2) {
      for (let p = 0; p < mask.length; p++) {
        if (s.roi && s.roi[p] === 0) continue;
        pooledLabels.push(s.mask[p] === 1 ? 1 : 0);
        pooledScores.push(testProbs[i][p]);
      }
    }
  });
  const summary: Record<string, ClassSummary & { auc?: number | null }> = summarizeScores(perImage, options.classes);
  if (classes === 2) {
    const auc = rocAuc(pooledLabels, pooledScores);
    summary[options.classes[1]] = { ...summary[options.classes[1]], auc: Number.isNaN(auc) ? null : auc };
  }
  const observed = test.filter((s) => s.observer);
  const observerScores = observed.map((s) => {
    const map = (data: ArrayLike<number>) => ({ height: s.height, width: s.width, data });
    return scoreImage(s.id, map(s.mask), map(s.observer!), s.roi ? map(s.roi) : undefined, {
      classNames: options.classes,
      spacing: options.spacing,
      tolerance: options.tolerance,
    });
  });
  const first = options.classes[1];
  const ranked = perImage.filter((im) => im.classes[first].dice !== null).sort((a, b) => b.classes[first].dice! - a.classes[first].dice!);
  const unit = options.spacing[0] === 1 && options.spacing[1] === 1 ? 'pixels' : 'spacing units (e.g. mm)';
  return {
    document: {
      task: 'segmentation',
      classes: options.classes,
      images: test.length,
      threshold,
      thresholdRule,
      spacing: options.spacing,
      unit,
      tolerance: options.tolerance,
      roi: test.some((s) => s.roi),
      definitions: {
        ...OVERLAP_DEFINITIONS,
        ...SURFACE_DEFINITIONS,
        aggregate: AGGREGATE_DEFINITION,
        pooled: 'pooled = the overlap metrics of all ROI pixels of all test images counted together',
        auc: 'pixel ROC AUC = scikit-learn roc_auc_score on the foreground probabilities of all ROI pixels of all test images pooled',
        prediction: `class = foreground when its sliding-window probability ≥ the threshold (binary), else the arg-max class; windows of ${options.patch} px, overlap ${options.overlap}, Gaussian-weighted`,
      },
      summary,
      perImage,
      best: ranked[0]?.id ?? null,
      worst: ranked[ranked.length - 1]?.id ?? null,
      ...(validation ? { validation } : {}),
      ...(observed.length > 0
        ? { humanAgreement: { images: observed.length, summary: summarizeScores(observerScores, options.classes), perImage: observerScores } }
        : {}),
    },
    predictions,
  };
}
