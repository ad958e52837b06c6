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
import { atOriginalSize, type ScoredImage } from './original-size.ts';
import { labelsOf, slidingWindowPredict } from './sliding-window.ts';

export interface SegmentationEvaluationOptions {
  readonly classes: readonly string[];
  readonly patch: number;
  readonly overlap: number;
  readonly threshold: number | 'validation';
  readonly tolerance: number;
  readonly spacing: readonly [number, number];
  /** 'original': resized samples are scored at their files' own size (see original-size.ts); 'ingested': at the stored size. @default 'original' */
  readonly resolution?: 'original' | 'ingested';
  readonly signal?: AbortSignal;
  readonly progress?: (done: number, total: number) => void;
}

export interface SegmentationMetricsDocument {
  readonly task: 'segmentation';
  readonly classes: readonly string[];
  readonly images: number;
  readonly threshold: number;
  readonly thresholdRule: string;
  /** Pixel spacing of the scored masks (the first test image's when they differ; see perImage[].spacing). */
  readonly spacing: readonly [number, number];
  /** Where the masks were scored: at the files' own size ('original', when ingest resized) or at the stored size. */
  readonly resolution: 'original' | 'ingested';
  readonly unit: string;
  readonly tolerance: number;
  readonly roi: boolean;
  readonly definitions: Readonly<Record<string, string>>;
  /** Per foreground class: mean ± CI over images, pooled pixel metrics, and the pixel ROC AUC (binary). */
  readonly summary: Readonly<Record<string, ClassSummary & { readonly auc?: number | null }>>;
  readonly perImage: readonly (ImageScores & { readonly size?: readonly [number, number]; readonly spacing?: readonly [number, number] })[];
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
  /** The sample as it was scored (at its original size when ingest resized it): the overlay draws on it. */
  readonly scored: SegmentationSample;
}

const THRESHOLDS = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

async function probabilities(
  model: tf.LayersModel,
  samples: readonly SegmentationSample[],
  options: SegmentationEvaluationOptions,
  outChannels: number,
  onDone?: () => void,
): Promise<ScoredImage[]> {
  const out: ScoredImage[] = [];
  for (const s of samples) {
    if (options.signal?.aborted) throw new MedpipeError('CANCELLED', 'Evaluation was cancelled.', { cause: options.signal.reason });
    const probs = await slidingWindowPredict(model, s.pixels, [s.height, s.width, s.channels], { size: options.patch, overlap: options.overlap });
    const spacing = s.spacing ?? options.spacing;
    out.push((options.resolution ?? 'original') === 'original' ? atOriginalSize(s, probs, outChannels, spacing) : { sample: s, probs, spacing });
    onDone?.();
  }
  return out;
}

function meanDiceAt(images: readonly ScoredImage[], outChannels: number, classes: number, threshold: number): number | null {
  const values: number[] = [];
  images.forEach(({ sample: s, probs }) => {
    const predicted = { height: s.height, width: s.width, data: labelsOf(probs, s.height * s.width, outChannels, threshold) };
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
      const valImages = await probabilities(model, val, options, outChannels, tick);
      let best = -1;
      for (const t of THRESHOLDS) {
        const d = meanDiceAt(valImages, outChannels, classes, t) ?? -1;
        if (d > best) ((best = d), (threshold = t));
      }
      thresholdRule = `maximises the mean validation Dice over thresholds 0.05, 0.10, …, 0.95 (chosen on ${val.length} validation images, frozen before test)`;
      validation = { images: val.length, meanDice: best >= 0 ? best : null };
    } else thresholdRule = '0.5 (no validation images to choose one on)';
  } else if (classes === 2) thresholdRule = typeof options.threshold === 'number' ? 'fixed in the config' : '0.5';
  const testImages = await probabilities(model, test, options, outChannels, tick);
  const resized = testImages.some((im, i) => im.sample !== test[i]);
  const ownSpacing = testImages.some((im) => im.sample.spacing);
  const perImage: SegmentationMetricsDocument['perImage'][number][] = [];
  const predictions: PredictedMask[] = [];
  const pooledLabels: number[] = [];
  const pooledScores: number[] = [];
  testImages.forEach(({ sample: s, probs, spacing }) => {
    const mask = labelsOf(probs, s.height * s.width, outChannels, threshold);
    predictions.push({ id: s.id, mask, scored: s });
    const map = (data: ArrayLike<number>) => ({ height: s.height, width: s.width, data });
    const scores = scoreImage(s.id, map(s.mask), map(mask), s.roi ? map(s.roi) : undefined, {
      classNames: options.classes,
      spacing,
      tolerance: options.tolerance,
    });
    perImage.push(resized || ownSpacing ? { ...scores, size: [s.height, s.width], spacing } : scores);
    if (classes === 2) {
      for (let p = 0; p < mask.length; p++) {
        if (s.roi && s.roi[p] === 0) continue;
        pooledLabels.push(s.mask[p] === 1 ? 1 : 0);
        pooledScores.push(probs[p]);
      }
    }
  });
  const summary: Record<string, ClassSummary & { auc?: number | null }> = summarizeScores(perImage, options.classes);
  if (classes === 2) {
    const auc = rocAuc(pooledLabels, pooledScores);
    summary[options.classes[1]] = { ...summary[options.classes[1]], auc: Number.isNaN(auc) ? null : auc };
  }
  const observed = testImages.filter((im) => im.sample.observer);
  const observerScores = observed.map(({ sample: s, spacing }) => {
    const map = (data: ArrayLike<number>) => ({ height: s.height, width: s.width, data });
    return scoreImage(s.id, map(s.mask), map(s.observer!), s.roi ? map(s.roi) : undefined, {
      classNames: options.classes,
      spacing,
      tolerance: options.tolerance,
    });
  });
  const first = options.classes[1];
  const ranked = perImage.filter((im) => im.classes[first].dice !== null).sort((a, b) => b.classes[first].dice! - a.classes[first].dice!);
  const spacings = testImages.map((im) => im.spacing);
  const unit = spacings.every((sp) => sp[0] === 1 && sp[1] === 1) ? (resized ? 'pixels of the original images' : 'pixels') : 'spacing units (e.g. mm)';
  return {
    document: {
      task: 'segmentation',
      classes: options.classes,
      images: test.length,
      threshold,
      thresholdRule,
      spacing: spacings[0] ?? options.spacing,
      resolution: resized ? 'original' : 'ingested',
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
        ...(resized
          ? {
              resolution:
                "scored at each image's original size: the probabilities (computed at the ingested size) resized bilinearly to it, then thresholded, against the masks as the files drew them; spacing of one original pixel",
            }
          : {}),
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
