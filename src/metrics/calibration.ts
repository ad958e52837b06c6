/**
 * Calibration of predicted probabilities: Brier score, the reliability curve and expected
 * calibration error (ECE) over stated bins, and logistic calibration intercept and slope.
 * Brier score and the binned curve equal scikit-learn's `brier_score_loss` and
 * `calibration_curve` (same bin edges, same edge rule); the rest follow their textbook definitions.
 */
import { MedpipeError } from '../base/errors.ts';
import { checkBinaryInput } from './binary-curve.ts';
import { quantileSorted, unitEdges } from './quantile.ts';

/** How scores are binned for the reliability curve and ECE. */
export interface Binning {
  /** Number of bins. @default 10 */
  readonly bins?: number;
  /** 'uniform': equal-width bins over [0, 1]; 'quantile': equal-count bins from the scores' quantiles. @default 'uniform' */
  readonly strategy?: 'uniform' | 'quantile';
}

/** One non-empty bin of the reliability curve. */
export interface CalibrationBin {
  /** Bin edges; a score equal to an inner edge falls in the lower bin (scikit-learn's rule). */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin (scikit-learn's prob_pred). */
  readonly meanScore: number;
  /** Fraction of positives in the bin (scikit-learn's prob_true). */
  readonly fractionPositive: number;
}

export interface CalibrationCurve {
  readonly strategy: 'uniform' | 'quantile';
  readonly bins: number;
  readonly edges: readonly number[];
  /** Non-empty bins only, low to high. */
  readonly points: readonly CalibrationBin[];
}

/**
 * Mean squared difference between score and label: scikit-learn's `brier_score_loss(y, s)`.
 * @example
 *   brierScore([0, 1], [0.1, 0.8]); // 0.025
 */
export function brierScore(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { n } = checkProbabilities(labels, scores);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (scores[i]! - labels[i]!) ** 2;
  return sum / n;
}

/**
 * The reliability curve: scikit-learn's `calibration_curve(y, s, n_bins, strategy)` with each
 * non-empty bin's count and edges added.
 * @example
 *   calibrationCurve(labels, scores, { bins: 10 }).points[0]; // { lower: 0, upper: 0.1, count, meanScore, fractionPositive }
 */
export function calibrationCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, binning: Binning = {}): CalibrationCurve {
  const { n } = checkProbabilities(labels, scores);
  const bins = binning.bins ?? 10;
  const strategy = binning.strategy ?? 'uniform';
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new MedpipeError('INVALID_CONFIG', `Calibration needs a whole number of bins >= 1, got ${bins}.`, { fix: 'Use e.g. 10 bins.' });
  if (strategy !== 'uniform' && strategy !== 'quantile')
    throw new MedpipeError('INVALID_CONFIG', `Calibration binning strategy must be 'uniform' or 'quantile', got ${String(strategy)}.`, {
      fix: "Use 'uniform' (equal width) or 'quantile' (equal count).",
    });
  let edges: Float64Array;
  if (strategy === 'uniform') edges = unitEdges(bins);
  else {
    // np.percentile(s, linspace(0, 1, bins + 1) * 100): the same float operations, in the same order.
    const sorted = Float64Array.from(scores as ArrayLike<number>).sort();
    edges = unitEdges(bins).map((q) => quantileSorted(sorted, (q * 100) / 100));
  }
  const sums = new Float64Array(bins);
  const trues = new Float64Array(bins);
  const totals = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const b = binOf(edges, scores[i]!);
    sums[b] += scores[i]!;
    trues[b] += labels[i]!;
    totals[b]++;
  }
  const points: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (totals[b] === 0) continue;
    points.push({ lower: edges[b]!, upper: edges[b + 1]!, count: totals[b]!, meanScore: sums[b]! / totals[b]!, fractionPositive: trues[b]! / totals[b]! });
  }
  return { strategy, bins, edges: Array.from(edges), points };
}

/** numpy's searchsorted(edges[1:-1], s, side='left'): the number of inner edges strictly below s. */
function binOf(edges: Float64Array, s: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid + 1]! < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Expected calibration error: Σ over non-empty bins of (count/n)·|fraction positive − mean score|,
 * on the bins of `calibrationCurve` (10 equal-width bins by default; say which when reporting it).
 * @example
 *   expectedCalibrationError(labels, scores, { bins: 10, strategy: 'uniform' });
 */
export function expectedCalibrationError(labels: ArrayLike<number>, scores: ArrayLike<number>, binning: Binning = {}): number {
  return eceOf(calibrationCurve(labels, scores, binning), labels.length);
}

export function eceOf(curve: CalibrationCurve, n: number): number {
  let sum = 0;
  for (const p of curve.points) sum += (p.count / n) * Math.abs(p.fractionPositive - p.meanScore);
  return sum;
}

/** Histogram of the scores per class over the curve's bin edges (for the reliability diagram). */
export function scoreHistogram(labels: ArrayLike<number>, scores: ArrayLike<number>, edges: readonly number[]): { positives: number[]; negatives: number[] } {
  const e = Float64Array.from(edges);
  const positives = new Array<number>(edges.length - 1).fill(0);
  const negatives = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? positives : negatives)[binOf(e, scores[i]!)]++;
  return { positives, negatives };
}

/** Scores are clipped to [ε, 1 − ε] before the logit: float32 sigmoids reach exactly 0 and 1. */
export const LOGIT_EPSILON = 1e-7;

export function logit(p: number): number {
  const q = Math.min(Math.max(p, LOGIT_EPSILON), 1 - LOGIT_EPSILON);
  return Math.log(q / (1 - q));
}

export interface LogisticCalibration {
  /**
   * Calibration intercept (calibration-in-the-large): a in logit P(y=1) = a + logit(s), the slope
   * fixed at 1. 0 when calibrated; > 0 when the model underestimates risk on average.
   */
  readonly intercept: number;
  /**
   * Calibration slope: b in logit P(y=1) = a' + b·logit(s). 1 when calibrated; < 1 when the scores
   * are too extreme (overfitting), > 1 when too timid.
   */
  readonly slope: number;
  /** a' of the slope fit (the intercept with the slope free). */
  readonly slopeFitIntercept: number;
  /** Why a value is NaN (one class only, or perfect separation: the maximum likelihood does not exist). */
  readonly notes: readonly string[];
}

/**
 * Logistic recalibration fits (Cox 1958; Steyerberg's "calibration intercept and slope"), by
 * Newton–Raphson on the exact log-likelihood; `start` (a nearby fit) only speeds it up.
 * @example
 *   logisticCalibration(labels, scores); // { intercept: 0.02, slope: 0.91, … }
 */
export function logisticCalibration(labels: ArrayLike<number>, scores: ArrayLike<number>, start?: LogisticCalibration): LogisticCalibration {
  const { n, positives } = checkProbabilities(labels, scores);
  const x = Float64Array.from({ length: n }, (_, i) => logit(scores[i]!));
  const y = Float64Array.from(labels as ArrayLike<number>);
  const notes: string[] = [];
  if (positives === 0 || positives === n) {
    notes.push('calibration intercept and slope: only one class is present, so they are undefined.');
    return { intercept: Number.NaN, slope: Number.NaN, slopeFitIntercept: Number.NaN, notes };
  }
  const offsetFit = fitLogistic(x, y, true, start && [start.intercept, 1]);
  const slopeFit = fitLogistic(x, y, false, start && [start.slopeFitIntercept, start.slope]);
  if (!slopeFit) notes.push('calibration slope: the classes are perfectly separated by the score, so the slope is infinite (no maximum-likelihood fit).');
  if (!offsetFit) notes.push('calibration intercept: the fit did not converge.');
  return {
    intercept: offsetFit ? offsetFit[0] : Number.NaN,
    slope: slopeFit ? slopeFit[1] : Number.NaN,
    slopeFitIntercept: slopeFit ? slopeFit[0] : Number.NaN,
    notes,
  };
}

/**
 * Maximises the likelihood of y ~ Bernoulli(σ(a + b·x)); with `offset`, b is fixed at 1. Newton's
 * method with step halving (each pass computes the log-likelihood, gradient and Hessian at once;
 * a pass that finds the likelihood lower than before halves the last step instead). `start`, e.g.
 * the fit on all samples when fitting bootstrap resamples, saves most iterations.
 * Returns [a, b], or undefined when it does not converge (separated data).
 */
export function fitLogistic(x: Float64Array, y: Float64Array, offset: boolean, start?: readonly [number, number]): [number, number] | undefined {
  let a: number;
  let b: number;
  if (start && Number.isFinite(start[0]) && Number.isFinite(start[1])) [a, b] = [start[0], offset ? 1 : start[1]];
  else {
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    a = Math.log(mean / (1 - mean)) - (offset ? x.reduce((s, v) => s + v, 0) / x.length : 0);
    b = offset ? 1 : 0;
  }
  let best = -Infinity;
  let da = 0;
  let db = 0;
  let step = 0;
  for (let iter = 0; iter < 200; iter++) {
    let ll = 0;
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      const yi = y[i]!;
      const t = a + b * xi;
      // log σ(t) and log(1 − σ(t)), stable for both signs of t.
      const e = Math.exp(-Math.abs(t));
      const softplus = Math.log1p(e);
      ll += t >= 0 ? -softplus - (1 - yi) * t : yi * t - softplus;
      const mu = t >= 0 ? 1 / (1 + e) : e / (1 + e);
      const r = yi - mu;
      const w = mu * (1 - mu);
      ga += r;
      gb += r * xi;
      haa += w;
      hab += w * xi;
      hbb += w * xi * xi;
    }
    if (ll < best - 1e-12 * Math.abs(best)) {
      // Overshot: go back half of the last step.
      step /= 2;
      if (step < 1e-10) return undefined;
      a -= step * da;
      b -= step * db;
      continue;
    }
    best = ll;
    if (offset) {
      da = haa > 0 ? ga / haa : 0;
      db = 0;
    } else {
      const det = haa * hbb - hab * hab;
      if (!(det > 0)) return undefined;
      da = (hbb * ga - hab * gb) / det;
      db = (haa * gb - hab * ga) / det;
    }
    a += da;
    b += db;
    step = 1;
    if (!Number.isFinite(a) || !Number.isFinite(b) || Math.abs(b) > 1e6) return undefined;
    if (Math.abs(da) + Math.abs(db) < 1e-10 * (1 + Math.abs(a) + Math.abs(b))) return [a, b];
  }
  return undefined;
}

/** Labels 0/1 and scores in [0, 1] (probabilities), else a MedpipeError with the fix. */
export function checkProbabilities(labels: ArrayLike<number>, scores: ArrayLike<number>): { n: number; positives: number } {
  const checked = checkBinaryInput(labels, scores);
  for (let i = 0; i < checked.n; i++) {
    const s = scores[i]!;
    if (s < 0 || s > 1) {
      throw new MedpipeError('INVALID_CONFIG', `Calibration needs probabilities in [0, 1]; the score at index ${i} is ${s}.`, {
        fix: "Pass the model's sigmoid outputs, not logits or unbounded scores.",
      });
    }
  }
  return checked;
}
