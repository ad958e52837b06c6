/**
 * Calibration, recalibration, DeLong and BCa against the reference toolkits (tests/reference/
 * clinical_check.py): Brier score, calibration_curve bins and ECE inputs to 1e-9 (scikit-learn),
 * isotonic recalibration to 1e-9 and Platt to 1e-5 (scikit-learn's BFGS stops at gtol 1e-5),
 * calibration slope to 1e-6 (LogisticRegression) and intercept to 1e-9 (root of its score
 * equation), DeLong's variances to 1e-12 (the O(mn) kernel definition), and the BCa interval on
 * the same resampled values to 1e-12 (SciPy's own `_bca_interval`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bootstrapPlan, intervalOf, pick } from '../../../src/metrics/bootstrap.ts';
import { brierScore, calibrationCurve, expectedCalibrationError, logisticCalibration } from '../../../src/metrics/calibration.ts';
import { delongAuc, delongPaired } from '../../../src/metrics/delong.ts';
import { quantileSorted } from '../../../src/metrics/quantile.ts';
import { applyRecalibration, fitRecalibration } from '../../../src/metrics/recalibration.ts';
import { prng } from '../../helpers/prng.ts';
import { runReference, sklearnAvailable } from '../../helpers/reference-python.ts';

interface Case {
  labels: number[];
  scores: number[];
  scoresB: number[];
  valLabels: number[];
  valScores: number[];
  bins: number;
  sample: number[];
  draws: number[];
}

/** Scores with ties, exact bin edges (0.3 …), exact 0 and 1, and skewed samples for BCa. */
function makeCases(): Case[] {
  const rand = prng(2024_12);
  const cases: Case[] = [];
  const scoresFor = (labels: number[], shift: number, grid: number) =>
    labels.map((y) => {
      const z = (rand() - 0.5) * 6 + (y ? shift : -shift);
      const s = 1 / (1 + Math.exp(-z));
      return grid ? Math.round(s * grid) / grid : s;
    });
  for (let i = 0; i < 24; i++) {
    const n = [12, 40, 150, 600][i % 4]!;
    const prevalence = [0.5, 0.2, 0.8][i % 3]!;
    const grid = [0, 10, 20, 0, 100, 5][i % 6]!;
    const labels = Array.from({ length: n }, () => (rand() < prevalence ? 1 : 0));
    const valLabels = Array.from({ length: Math.max(8, Math.floor(n / 2)) }, () => (rand() < prevalence ? 1 : 0));
    if (!labels.includes(0)) labels[0] = 0;
    if (!labels.includes(1)) labels[1] = 1;
    if (!valLabels.includes(0)) valLabels[0] = 0;
    if (!valLabels.includes(1)) valLabels[1] = 1;
    const scores = scoresFor(labels, [0.5, 1.2, 2][i % 3]!, grid);
    if (i % 5 === 0) {
      scores[0] = 0;
      scores[1] = 1;
    }
    const sample = Array.from({ length: [10, 25, 60][i % 3]! }, () => -Math.log(1 - rand()) * (1 + (i % 4)));
    const plan = bootstrapPlan(
      sample.map(() => 0),
      { seed: i + 1, resamples: 999 },
    );
    const draws = Array.from({ length: plan.resamples }, (_, b) => {
      const x = pick(sample, plan.resample(b));
      return x.reduce((a, v) => a + v, 0) / x.length;
    });
    cases.push({
      labels,
      scores,
      scoresB: scoresFor(labels, 0.7, grid),
      valLabels,
      valScores: scoresFor(valLabels, [0.5, 1.2, 2][i % 3]!, grid),
      bins: [10, 5, 15, 8][i % 4]!,
      sample,
      draws,
    });
  }
  return cases;
}

/** Every positive scores above every negative (or the reverse): logistic regression has no finite optimum. */
function separated(labels: readonly number[], scores: readonly number[]): boolean {
  const pos = scores.filter((_, i) => labels[i] === 1);
  const neg = scores.filter((_, i) => labels[i] === 0);
  return Math.min(...pos) > Math.max(...neg) || Math.max(...pos) < Math.min(...neg);
}

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: reference ${expected}, medpipe ${actual} (tolerance ${tol})`);
const closeAll = (actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string) => {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) close(actual[i]!, expected[i]!, tol, `${what}[${i}]`);
};

const reference = suite('evaluation: equal to scikit-learn / SciPy');
const availability = sklearnAvailable();

if (!availability.ok && process.env.CI !== 'true') {
  reference.skip(`skipped: ${availability.why} (apt-get install -y python3-sklearn)`, () => {});
} else {
  reference('calibration, recalibration, DeLong and BCa on random cases with ties', () => {
    assert.ok(availability.ok, `CI=true requires scikit-learn: ${availability.why} (apt-get install -y python3-sklearn)`);
    const cases = makeCases();
    const { sklearn, scipy, results } = runReference<{ sklearn: string; scipy: string; results: Record<string, any>[] }>('clinical_check.py', { cases });
    console.log(`  compared ${cases.length} cases with scikit-learn ${sklearn}, SciPy ${scipy}`);
    let bcaCompared = 0;
    cases.forEach((c, i) => {
      const ref = results[i]!;
      const tag = `case ${i} (n=${c.labels.length})`;
      close(brierScore(c.labels, c.scores), ref.brier, 1e-9, `${tag} brier`);
      for (const strategy of ['uniform', 'quantile'] as const) {
        const curve = calibrationCurve(c.labels, c.scores, { bins: c.bins, strategy });
        const r = ref[strategy];
        closeAll(curve.edges, r.edges, 1e-12, `${tag} ${strategy} edges`);
        assert.equal(
          curve.points.map((p) => p.count),
          r.counts,
          `${tag} ${strategy} counts`,
        );
        closeAll(
          curve.points.map((p) => p.fractionPositive),
          r.probTrue,
          1e-9,
          `${tag} ${strategy} prob_true`,
        );
        closeAll(
          curve.points.map((p) => p.meanScore),
          r.probPred,
          1e-9,
          `${tag} ${strategy} prob_pred`,
        );
        close(expectedCalibrationError(c.labels, c.scores, { bins: c.bins, strategy }), r.ece, 1e-9, `${tag} ${strategy} ece`);
      }
      const fit = logisticCalibration(c.labels, c.scores);
      if (separated(c.labels, c.scores)) {
        // No maximum-likelihood slope exists; scikit-learn stops wherever its solver gives up.
        assert.ok(Number.isNaN(fit.slope), `${tag}: separated classes give a NaN slope, got ${fit.slope}`);
      } else {
        close(fit.slope, ref.slope, 1e-6, `${tag} calibration slope`);
        close(fit.slopeFitIntercept, ref.slopeIntercept, 1e-6, `${tag} intercept of the slope fit`);
      }
      close(fit.intercept, ref.intercept, 1e-9, `${tag} calibration intercept`);
      const d = delongAuc(c.labels, c.scores);
      close(d.auc, ref.delong.auc, 1e-12, `${tag} DeLong AUC`);
      close(d.variance, ref.delong.variance, 1e-12, `${tag} DeLong variance`);
      const paired = delongPaired(c.labels, c.scores, c.scoresB);
      close(paired.aucB, ref.delongPaired.aucB, 1e-12, `${tag} paired AUC B`);
      close(paired.se ** 2, ref.delongPaired.varianceOfDifference, 1e-12, `${tag} paired variance of the difference`);
      const platt = fitRecalibration('platt', c.valLabels, c.valScores);
      assert.is(platt.method, 'platt');
      if (platt.method === 'platt') {
        close(platt.a, ref.platt.a, 1e-4, `${tag} platt a`);
        close(platt.b, ref.platt.b, 1e-4, `${tag} platt b`);
      }
      closeAll(applyRecalibration(platt, c.scores), ref.platt.test, 1e-5, `${tag} platt on test`);
      const iso = fitRecalibration('isotonic', c.valLabels, c.valScores);
      if (iso.method === 'isotonic') {
        closeAll(iso.x, ref.isotonic.x, 1e-12, `${tag} isotonic thresholds`);
        closeAll(iso.y, ref.isotonic.y, 1e-12, `${tag} isotonic values`);
      }
      closeAll(applyRecalibration(iso, c.scores), ref.isotonic.test, 1e-9, `${tag} isotonic on test`);
      const sorted = Float64Array.from(c.draws).sort();
      closeAll(
        [2.5, 97.5, 50, 10, 0, 100].map((q) => quantileSorted(sorted, q / 100)),
        ref.percentiles,
        0,
        `${tag} percentiles`,
      );
      if (ref.bca) {
        const mean = (x: readonly number[]) => x.reduce((a, v) => a + v, 0) / x.length;
        const jack = c.sample.map((_, k) => mean(c.sample.filter((__, j) => j !== k)));
        const ci = intervalOf(mean(c.sample), c.draws, jack, 0.95);
        close(ci.bca!.lower, ref.bca[0], 1e-12, `${tag} BCa lower`);
        close(ci.bca!.upper, ref.bca[1], 1e-12, `${tag} BCa upper`);
        bcaCompared++;
      }
    });
    assert.ok(bcaCompared > 0 || process.env.CI !== 'true', 'SciPy has _bca_interval (Debian bookworm: scipy 1.10)');
  });
}

reference.run();
