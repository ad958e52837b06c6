/**
 * DeLong, DeLong & Clarke-Pearson (1988): the variance of the ROC AUC (a Mann–Whitney statistic)
 * from its structural components, for one model and for two models scored on the same samples
 * (the paired test). Computed with midranks in O(n log n) (Sun & Xu 2014); ties count one half.
 */
import { checkBinaryInput } from './binary-curve.ts';
import { normalQuantile, twoSidedP } from './normal.ts';
import type { Interval } from './bootstrap.ts';

export interface DelongAuc {
  readonly auc: number;
  /** Var(AUC) = S10/m + S01/n (sample variances of the structural components, m positives, n negatives). */
  readonly variance: number;
  readonly se: number;
  /**
   * AUC ± z·SE, clipped to [0, 1] (as pROC's `ci.auc(method = "delong")`). Null with one class
   * or fewer than two samples of a class (no variance estimate).
   */
  readonly ci: Interval | null;
  readonly level: number;
}

export interface DelongPaired {
  readonly aucA: number;
  readonly aucB: number;
  /** aucA − aucB. */
  readonly difference: number;
  readonly se: number;
  /** difference ± z·SE. */
  readonly ci: Interval | null;
  readonly z: number;
  /** Two-sided p-value of H0: equal AUCs. */
  readonly p: number;
  readonly level: number;
  readonly positives: number;
  readonly negatives: number;
}

/** Midranks (1-based; tied values share their average rank) of `values`. */
export function midranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Per score vector: the AUC and its structural components V10 (positives) and V01 (negatives). */
function components(positives: Float64Array, negatives: Float64Array): { auc: number; v10: Float64Array; v01: Float64Array } {
  const m = positives.length;
  const n = negatives.length;
  const all = new Float64Array(m + n);
  all.set(positives, 0);
  all.set(negatives, m);
  const tz = midranks(all);
  const tx = midranks(positives);
  const ty = midranks(negatives);
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let sum = 0;
  // V10_i = share of negatives ranked below positive i (ties half); V01_j = share of positives above negative j.
  for (let i = 0; i < m; i++) {
    v10[i] = (tz[i]! - tx[i]!) / n;
    sum += tz[i]!;
  }
  for (let j = 0; j < n; j++) v01[j] = 1 - (tz[m + j]! - ty[j]!) / m;
  const auc = (sum - (m * (m + 1)) / 2) / (m * n);
  return { auc, v10, v01 };
}

function covariance(a: Float64Array, b: Float64Array): number {
  const k = a.length;
  if (k < 2) return Number.NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < k; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= k;
  mb /= k;
  let s = 0;
  for (let i = 0; i < k; i++) s += (a[i]! - ma) * (b[i]! - mb);
  return s / (k - 1);
}

function splitByLabel(labels: ArrayLike<number>, scores: ArrayLike<number>): [Float64Array, Float64Array] {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(scores[i]!);
  return [Float64Array.from(pos), Float64Array.from(neg)];
}

/**
 * DeLong's variance and confidence interval of one ROC AUC.
 * @example
 *   delongAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).ci; // { lower, upper }
 */
export function delongAuc(labels: ArrayLike<number>, scores: ArrayLike<number>, level = 0.95): DelongAuc {
  checkBinaryInput(labels, scores);
  const [pos, neg] = splitByLabel(labels, scores);
  if (pos.length === 0 || neg.length === 0) return { auc: Number.NaN, variance: Number.NaN, se: Number.NaN, ci: null, level };
  const { auc, v10, v01 } = components(pos, neg);
  const variance = covariance(v10, v10) / pos.length + covariance(v01, v01) / neg.length;
  const se = Math.sqrt(variance);
  const z = normalQuantile(1 - (1 - level) / 2);
  const ci = Number.isFinite(se) ? { lower: Math.max(0, auc - z * se), upper: Math.min(1, auc + z * se) } : null;
  return { auc, variance, se, ci, level };
}

/**
 * DeLong's test of two correlated AUCs: two models' scores on the same samples (same labels).
 * @example
 *   const t = delongPaired(labels, scoresA, scoresB); // t.difference, t.ci, t.p
 */
export function delongPaired(labels: ArrayLike<number>, scoresA: ArrayLike<number>, scoresB: ArrayLike<number>, level = 0.95): DelongPaired {
  checkBinaryInput(labels, scoresA);
  checkBinaryInput(labels, scoresB);
  const [posA, negA] = splitByLabel(labels, scoresA);
  const [posB, negB] = splitByLabel(labels, scoresB);
  const m = posA.length;
  const n = negA.length;
  const nan = {
    aucA: Number.NaN,
    aucB: Number.NaN,
    difference: Number.NaN,
    se: Number.NaN,
    ci: null,
    z: Number.NaN,
    p: Number.NaN,
    level,
    positives: m,
    negatives: n,
  };
  if (m === 0 || n === 0) return nan;
  const a = components(posA, negA);
  const b = components(posB, negB);
  // Var(A − B) = Var A + Var B − 2 Cov(A, B), each term S10/m + S01/n.
  const variance =
    (covariance(a.v10, a.v10) + covariance(b.v10, b.v10) - 2 * covariance(a.v10, b.v10)) / m +
    (covariance(a.v01, a.v01) + covariance(b.v01, b.v01) - 2 * covariance(a.v01, b.v01)) / n;
  const difference = a.auc - b.auc;
  const se = Math.sqrt(Math.max(variance, 0));
  const zq = normalQuantile(1 - (1 - level) / 2);
  // Identical rankings: no variance, no evidence of a difference (p = 1), the interval is the point.
  const z = se > 0 ? difference / se : difference === 0 ? 0 : Number.NaN;
  const ci = Number.isFinite(se) ? { lower: difference - zq * se, upper: difference + zq * se } : null;
  return { aucA: a.auc, aucB: b.auc, difference, se, ci, z, p: twoSidedP(z), level, positives: m, negatives: n };
}
