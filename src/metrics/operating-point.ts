/**
 * Operating points: a decision threshold chosen on the VALIDATION split by a stated rule and frozen
 * before the test split is scored, so the test numbers at that threshold are honest estimates.
 */
import { MedpipeError } from '../base/errors.ts';
import { binaryCurve, type BinaryCurve } from './binary-curve.ts';
import { thresholdForMaxF1 } from './multilabel-metrics.ts';
import { thresholdForSensitivityOf } from './specificity-at-sensitivity.ts';

/**
 * How the threshold is chosen: a fixed number; 'youden' (maximum of sensitivity + specificity − 1,
 * Youden's J); the highest threshold reaching a target sensitivity, or the lowest keeping a target
 * specificity; or 'maxF1' (the highest F1, among equal F1 the highest threshold).
 */
export type ThresholdRule = number | 'youden' | 'maxF1' | { readonly sensitivity: number } | { readonly specificity: number };

export interface ChosenThreshold {
  readonly threshold: number;
  /** In words, for metrics.json and the report. */
  readonly source: string;
  readonly rule: ThresholdRule;
  /** Sensitivity and specificity on the split the threshold was chosen on (undefined for a fixed number). */
  readonly onChoiceSplit?: { readonly sensitivity: number; readonly specificity: number };
}

/**
 * Chooses the threshold on (validation) labels and scores; predicted = score ≥ threshold.
 * @example
 *   chooseThreshold(valLabels, valScores, 'youden').threshold;
 *   chooseThreshold(valLabels, valScores, { sensitivity: 0.9 });
 */
export function chooseThreshold(labels: ArrayLike<number>, scores: ArrayLike<number>, rule: ThresholdRule, split = 'validation'): ChosenThreshold {
  checkRule(rule);
  if (typeof rule === 'number') return { threshold: rule, source: 'configured', rule };
  const curve = binaryCurve(labels, scores);
  if (curve.positives === 0 || curve.negatives === 0) {
    throw new MedpipeError('NO_SAMPLES', `Cannot choose a threshold on the ${split} split: it has only one class.`, {
      fix: `The ${split} split needs both classes (use a stratified split), or configure a fixed threshold: evaluate({ threshold: 0.5 }).`,
    });
  }
  let threshold: number;
  let words: string;
  if (rule === 'youden') {
    threshold = curve.thresholds[youdenIndex(curve)]!;
    words = "maximising Youden's J (sensitivity + specificity − 1)";
  } else if (rule === 'maxF1') {
    threshold = thresholdForMaxF1(labels, scores);
    words = 'the highest F1';
  } else if ('sensitivity' in rule) {
    threshold = thresholdForSensitivityOf(curve, rule.sensitivity);
    words = `the highest threshold with sensitivity >= ${rule.sensitivity}`;
  } else {
    threshold = thresholdForSpecificity(curve, rule.specificity);
    words = `the lowest threshold with specificity >= ${rule.specificity}`;
  }
  const rates = ratesAt(curve, threshold);
  return {
    threshold,
    source: `chosen on the ${split} split (${curve.positives + curve.negatives} samples) by ${words}, frozen before scoring test`,
    rule,
    onChoiceSplit: rates,
  };
}

/** First index (highest threshold) of the maximum of TPR − FPR. */
function youdenIndex(curve: BinaryCurve): number {
  let best = 0;
  let bestJ = -Infinity;
  for (let k = 0; k < curve.thresholds.length; k++) {
    const j = curve.tps[k]! / curve.positives - curve.fps[k]! / curve.negatives;
    if (j > bestJ) {
      bestJ = j;
      best = k;
    }
  }
  return best;
}

/**
 * The lowest threshold (an observed score) whose specificity is still >= `specificity`. When even
 * the highest score is a negative that breaks the target, the threshold is just above it
 * (nothing predicted positive, specificity 1).
 */
function thresholdForSpecificity(curve: BinaryCurve, specificity: number): number {
  let chosen = -1;
  for (let k = 0; k < curve.thresholds.length; k++) {
    if ((curve.negatives - curve.fps[k]!) / curve.negatives >= specificity) chosen = k;
    else break;
  }
  return chosen >= 0 ? curve.thresholds[chosen]! : nextUp(curve.thresholds[0]!);
}

function ratesAt(curve: BinaryCurve, threshold: number): { sensitivity: number; specificity: number } {
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < curve.thresholds.length && curve.thresholds[k]! >= threshold; k++) {
    tp = curve.tps[k]!;
    fp = curve.fps[k]!;
  }
  return { sensitivity: tp / curve.positives, specificity: (curve.negatives - fp) / curve.negatives };
}

/** The next double above x. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  view.setBigInt64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

export function checkRule(rule: ThresholdRule): void {
  const bad = (what: string) =>
    new MedpipeError('INVALID_CONFIG', `threshold ${what}.`, {
      fix: "Use a number in [0, 1], 'youden', 'maxF1', { sensitivity: 0.9 } or { specificity: 0.9 }.",
    });
  if (typeof rule === 'number') {
    if (!(rule >= 0 && rule <= 1)) throw bad(`must be in [0, 1], got ${rule}`);
    return;
  }
  if (rule === 'youden' || rule === 'maxF1') return;
  if (typeof rule === 'object' && rule !== null) {
    const target = 'sensitivity' in rule ? rule.sensitivity : 'specificity' in rule ? rule.specificity : undefined;
    const name = 'sensitivity' in rule ? 'sensitivity' : 'specificity';
    if (target !== undefined && target > 0 && target <= 1) return;
    throw bad(`.${name} must be in (0, 1], got ${String(target)}`);
  }
  throw bad(`must be a number, 'youden', 'maxF1', { sensitivity } or { specificity }, got ${JSON.stringify(rule)}`);
}

/** The decision rule when evaluate is given none: Youden's J on validation. */
export const DEFAULT_THRESHOLD_RULE: ThresholdRule = 'youden';

/**
 * The evaluate stage's threshold: the configured rule, else Youden's J on validation. A configured
 * rule that cannot apply is an error; the default falls back to 0.5 with a warning when the
 * validation split lacks a class (nothing to choose on).
 * @example
 *   const { threshold, source, warning } = thresholdForEvaluation(valLabels, valScores, config.threshold);
 */
export function thresholdForEvaluation(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  configured: ThresholdRule | undefined,
): ChosenThreshold & { readonly warning?: string } {
  if (configured !== undefined) return chooseThreshold(labels, scores, configured);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  if (positives === 0 || positives === labels.length) {
    const warning = `the validation split has only one class (${labels.length} images), so no threshold can be chosen on it: using 0.5. Results at 0.5 are not tuned to this model.`;
    return { threshold: 0.5, source: 'default 0.5 (the validation split has only one class)', rule: 0.5, warning };
  }
  return chooseThreshold(labels, scores, DEFAULT_THRESHOLD_RULE);
}
