/**
 * Recalibration maps fitted on the VALIDATION split and applied to test scores: Platt scaling (on the
 * score's logit) and isotonic regression, each equal to scikit-learn's (`_sigmoid_calibration`,
 * `IsotonicRegression(out_of_bounds='clip')`). Fitting on test would make the test calibration look
 * better than it is; the evaluate stage never does.
 */
import { MedpipeError } from '../base/errors.ts';
import { lowerBound } from '../base/sorted.ts';
import { checkProbabilities, logit } from './calibration.ts';

export type RecalibrationMethod = 'platt' | 'isotonic';

/** A fitted map from a raw score to a recalibrated probability, as plain data (cacheable, reportable). */
export type Recalibration =
  | {
      readonly method: 'platt';
      /** P = 1 / (1 + exp(a·logit(s) + b)) (Platt's notation; a < 0 for a useful model). */
      readonly a: number;
      readonly b: number;
    }
  | {
      readonly method: 'isotonic';
      /** Breakpoints (increasing scores) and their fitted probabilities; linear in between, clipped outside. */
      readonly x: readonly number[];
      readonly y: readonly number[];
    };

/**
 * Fits a recalibration map on (validation) labels and scores.
 * @example
 *   const map = fitRecalibration('isotonic', valLabels, valScores);
 *   const calibrated = applyRecalibration(map, testScores);
 */
export function fitRecalibration(method: RecalibrationMethod, labels: ArrayLike<number>, scores: ArrayLike<number>): Recalibration {
  const { n, positives } = checkProbabilities(labels, scores);
  if (positives === 0 || positives === n) {
    throw new MedpipeError('NO_SAMPLES', `Cannot fit ${method} recalibration: the validation split has only one class.`, {
      fix: 'Recalibration needs both classes in the validation split; use a stratified split or turn recalibration off.',
    });
  }
  if (method === 'platt')
    return {
      method,
      ...plattFit(
        Float64Array.from({ length: n }, (_, i) => logit(scores[i]!)),
        labels,
      ),
    };
  if (method === 'isotonic') return { method, ...isotonicFit(scores, labels) };
  throw new MedpipeError('INVALID_CONFIG', `Unknown recalibration method '${String(method)}'.`, { fix: "Use 'platt' or 'isotonic'." });
}

/** The recalibrated probability of each score. */
export function applyRecalibration(map: Recalibration, scores: ArrayLike<number>): Float64Array {
  const out = new Float64Array(scores.length);
  if (map.method === 'platt') {
    for (let i = 0; i < scores.length; i++) {
      const t = map.a * logit(scores[i]!) + map.b;
      out[i] = t >= 0 ? Math.exp(-t) / (1 + Math.exp(-t)) : 1 / (1 + Math.exp(t));
    }
    return out;
  }
  const { x, y } = map;
  for (let i = 0; i < scores.length; i++) out[i] = interpolate(x, y, Math.min(Math.max(scores[i]!, x[0]!), x[x.length - 1]!));
  return out;
}

/**
 * Platt (1999): minimises the cross-entropy of P = 1/(1+exp(a f + b)) against the smoothed targets
 * (N+ + 1)/(N+ + 2) and 1/(N− + 2), by Newton's method with backtracking (Lin, Lin & Weng 2007).
 */
function plattFit(f: Float64Array, labels: ArrayLike<number>): { a: number; b: number } {
  let prior1 = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) prior1++;
  const prior0 = labels.length - prior1;
  const hi = (prior1 + 1) / (prior1 + 2);
  const lo = 1 / (prior0 + 2);
  const t = Float64Array.from({ length: f.length }, (_, i) => (labels[i]! > 0 ? hi : lo));
  const objective = (a: number, b: number) => {
    let sum = 0;
    for (let i = 0; i < f.length; i++) {
      const z = a * f[i]! + b;
      // −[t log p + (1 − t) log(1 − p)] with p = 1/(1 + e^z), stable for both signs of z.
      sum += z >= 0 ? t[i]! * z + Math.log1p(Math.exp(-z)) : (t[i]! - 1) * z + Math.log1p(Math.exp(z));
    }
    return sum;
  };
  let a = 0;
  let b = Math.log((prior0 + 1) / (prior1 + 1));
  let value = objective(a, b);
  for (let iter = 0; iter < 200; iter++) {
    let ga = 0;
    let gb = 0;
    let h11 = 1e-12;
    let h22 = 1e-12;
    let h21 = 0;
    for (let i = 0; i < f.length; i++) {
      const z = a * f[i]! + b;
      const p = z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
      const d1 = t[i]! - p;
      const w = p * (1 - p);
      ga += f[i]! * d1;
      gb += d1;
      h11 += f[i]! * f[i]! * w;
      h22 += w;
      h21 += f[i]! * w;
    }
    if (Math.abs(ga) < 1e-12 * f.length && Math.abs(gb) < 1e-12 * f.length) break;
    const det = h11 * h22 - h21 * h21;
    const da = -(h22 * ga - h21 * gb) / det;
    const db = -(-h21 * ga + h11 * gb) / det;
    let step = 1;
    let next = objective(a + step * da, b + step * db);
    while (next > value + 1e-4 * step * (ga * da + gb * db) && step > 1e-12) {
      step /= 2;
      next = objective(a + step * da, b + step * db);
    }
    if (step <= 1e-12) break;
    a += step * da;
    b += step * db;
    const moved = Math.abs(step * da) + Math.abs(step * db);
    value = next;
    if (moved < 1e-14 * (1 + Math.abs(a) + Math.abs(b))) break;
  }
  return { a, b };
}

/** np.finfo(float64).resolution: scikit-learn treats scores closer than this as one. */
const SAME_SCORE = 1e-15;

/** scikit-learn's IsotonicRegression fit: merge equal scores, pool adjacent violators, trim flat runs. */
function isotonicFit(scores: ArrayLike<number>, labels: ArrayLike<number>): { x: number[]; y: number[] } {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((i, j) => scores[i]! - scores[j]! || labels[i]! - labels[j]!);
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  let cx = scores[order[0]!]!;
  let sumY = 0;
  let sumW = 0;
  for (const i of order) {
    const s = scores[i]!;
    if (s - cx >= SAME_SCORE) {
      ux.push(cx);
      uy.push(sumY / sumW);
      uw.push(sumW);
      cx = s;
      sumY = 0;
      sumW = 0;
    }
    sumY += labels[i]!;
    sumW += 1;
  }
  ux.push(cx);
  uy.push(sumY / sumW);
  uw.push(sumW);
  const y = poolAdjacentViolators(uy, uw);
  const keepX: number[] = [];
  const keepY: number[] = [];
  for (let k = 0; k < y.length; k++) {
    if (k > 0 && k < y.length - 1 && y[k] === y[k - 1] && y[k] === y[k + 1]) continue;
    keepX.push(ux[k]!);
    keepY.push(y[k]!);
  }
  return { x: keepX, y: keepY };
}

/** scikit-learn's `_inplace_contiguous_isotonic_regression` (Best & Chakravarti's single-pass PAV). */
function poolAdjacentViolators(values: readonly number[], weights: readonly number[]): number[] {
  const y = [...values];
  const w = [...weights];
  const n = y.length;
  const target = Array.from({ length: n }, (_, i) => i);
  let i = 0;
  while (i < n) {
    let k = target[i]! + 1;
    if (k === n) break;
    if (y[i]! < y[k]!) {
      i = k;
      continue;
    }
    let sumWy = w[i]! * y[i]!;
    let sumW = w[i]!;
    for (;;) {
      const prev = y[k]!;
      sumWy += w[k]! * y[k]!;
      sumW += w[k]!;
      k = target[k]! + 1;
      if (k === n || prev < y[k]!) {
        y[i] = sumWy / sumW;
        w[i] = sumW;
        target[i] = k - 1;
        target[k - 1] = i;
        if (i > 0) i = target[i - 1]!;
        break;
      }
    }
  }
  i = 0;
  while (i < n) {
    const k = target[i]! + 1;
    for (let j = i + 1; j < k; j++) y[j] = y[i]!;
    i = k;
  }
  return y;
}

/** scipy's interp1d(x, y, 'linear') at a point inside [x0, x_last]. */
function interpolate(x: readonly number[], y: readonly number[], s: number): number {
  if (x.length === 1) return y[0]!;
  // searchsorted(x, s, 'left'), clipped to [1, len − 1]: the interval's upper index.
  const up = Math.min(Math.max(lowerBound(x, s), 1), x.length - 1);
  const x0 = x[up - 1]!;
  const y0 = y[up - 1]!;
  const slope = (y[up]! - y0) / (x[up]! - x0);
  return slope * (s - x0) + y0;
}
