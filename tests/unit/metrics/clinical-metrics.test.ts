// The statistics behind the clinical evaluation, without reference toolkits: bootstrap plans
// (stratified, group-aware, seeded), interval behaviour, DeLong by its O(mn) definition, operating
// points, calibration on data calibrated by construction, curve bands, subgroups.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bootstrapIntervals, bootstrapPlan, pick } from '../../../src/metrics/bootstrap.ts';
import { brierScore, calibrationCurve, logisticCalibration } from '../../../src/metrics/calibration.ts';
import { clinicalEvaluation } from '../../../src/metrics/clinical-evaluation.ts';
import { curveBand } from '../../../src/metrics/curve-bands.ts';
import { delongAuc, delongPaired, midranks } from '../../../src/metrics/delong.ts';
import { normalQuantile } from '../../../src/metrics/normal.ts';
import { chooseThreshold } from '../../../src/metrics/operating-point.ts';
import { subgroupMetrics } from '../../../src/metrics/subgroups.ts';
import { rocAuc } from '../../../src/metrics/index.ts';
import { createRng } from '../../../src/base/rng.ts';
import { throwsCode } from '../../helpers/expect-error.ts';

/** n samples with prevalence p; scores σ(z + shift·y − c): separable to a degree, with ties when rounded. */
function scored(n: number, seed: number, options: { prevalence?: number; shift?: number; round?: number } = {}) {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const label = rng.next() < (options.prevalence ?? 0.5) ? 1 : 0;
    const s = 1 / (1 + Math.exp(-(rng.normal() + (options.shift ?? 1.5) * label - (options.shift ?? 1.5) / 2)));
    return { label, score: options.round ? Math.round(s * options.round) / options.round : s };
  });
}

const B = suite('bootstrap');

B('stratified resamples keep each class count; plain ones do not', () => {
  const labels = [...Array(30).fill(1), ...Array(70).fill(0)];
  const plan = bootstrapPlan(labels, { seed: 1, resamples: 200 });
  for (let b = 0; b < 200; b++) {
    const idx = plan.resample(b);
    assert.is(idx.length, 100);
    assert.is(Array.from(idx).filter((i) => labels[i] === 1).length, 30);
  }
  const plain = bootstrapPlan(labels, { seed: 1, resamples: 200, stratify: false });
  const counts = new Set(Array.from({ length: 200 }, (_, b) => Array.from(plain.resample(b)).filter((i) => labels[i] === 1).length));
  assert.ok(counts.size > 5, 'unstratified positive counts vary');
});

B('groups are drawn whole and counted as units', () => {
  const labels = Array.from({ length: 60 }, (_, i) => (i % 20 < 8 ? 1 : 0));
  const groups = labels.map((_, i) => `p${Math.floor(i / 3)}`);
  const plan = bootstrapPlan(labels, { seed: 3, groups });
  assert.is(plan.unit, 'group');
  assert.is(plan.units, 20);
  for (let b = 0; b < 50; b++) {
    const idx = Array.from(plan.resample(b));
    const byGroup = new Map<string, number>();
    for (const i of idx) byGroup.set(groups[i]!, (byGroup.get(groups[i]!) ?? 0) + 1);
    for (const count of byGroup.values()) assert.is(count % 3, 0, 'each draw brings the whole group of 3');
  }
  const jack = [...plan.jackknife()];
  assert.is(jack.length, 20);
  assert.ok(
    jack.every((j) => j.length === 57),
    'jackknife leaves one group (3 samples) out',
  );
});

B('the same seed replays the same resamples; another seed does not', () => {
  const labels = scored(80, 5).map((s) => s.label);
  const a = bootstrapPlan(labels, { seed: 9 });
  const b = bootstrapPlan(labels, { seed: 9 });
  const c = bootstrapPlan(labels, { seed: 10 });
  assert.is(a.resamples, 2000, '2,000 resamples by default');
  assert.equal(Array.from(a.resample(1234)), Array.from(b.resample(1234)));
  assert.not.equal(Array.from(a.resample(7)), Array.from(c.resample(7)));
});

B('the interval of a mean matches the normal theory one; BCa moves with skew', () => {
  const rng = createRng(11);
  const x = Array.from({ length: 400 }, () => rng.normal() * 2 + 5);
  const plan = bootstrapPlan(
    x.map(() => 0),
    { seed: 2, resamples: 4000 },
  );
  const ci = bootstrapIntervals(plan, (idx) => ({ mean: pick(x, idx).reduce((a, v) => a + v, 0) / idx.length })).mean;
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const sd = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / (x.length - 1));
  const half = normalQuantile(0.975) * (sd / Math.sqrt(x.length));
  assert.ok(Math.abs(ci.percentile.lower - (mean - half)) < 0.1 * half, `lower ${ci.percentile.lower} vs ${mean - half}`);
  assert.ok(Math.abs(ci.percentile.upper - (mean + half)) < 0.1 * half, `upper ${ci.percentile.upper} vs ${mean + half}`);
  assert.ok(Math.abs(ci.se - sd / Math.sqrt(x.length)) < 0.1 * ci.se);
  // Exponential data: the mean's sampling distribution is right-skewed, BCa shifts both ends up.
  const skewed = Array.from({ length: 30 }, () => -Math.log(1 - rng.next()));
  const plan2 = bootstrapPlan(
    skewed.map(() => 0),
    { seed: 4, resamples: 4000 },
  );
  const ci2 = bootstrapIntervals(plan2, (idx) => ({ mean: pick(skewed, idx).reduce((a, v) => a + v, 0) / idx.length })).mean;
  assert.ok(ci2.bca!.upper > ci2.percentile.upper && ci2.bca!.lower > ci2.percentile.lower, JSON.stringify(ci2));
});

B('multi-class: every class keeps its count; intervals of macro metrics come out the same way', () => {
  const rng = createRng(13);
  const labels = Array.from({ length: 300 }, (_, i) => (i < 150 ? 0 : i < 250 ? 1 : 2));
  const predicted = labels.map((y) => (rng.next() < 0.8 ? y : (y + 1 + rng.int(2)) % 3));
  const plan = bootstrapPlan(labels, { seed: 5, resamples: 500 });
  for (let b = 0; b < 20; b++) {
    const idx = Array.from(plan.resample(b));
    assert.equal(
      [0, 1, 2].map((c) => idx.filter((i) => labels[i] === c).length),
      [150, 100, 50],
    );
  }
  const ci = bootstrapIntervals(plan, (idx) => {
    const recall = [0, 1, 2].map((c) => {
      const members = Array.from(idx).filter((i) => labels[i] === c);
      return members.filter((i) => predicted[i] === c).length / members.length;
    });
    return { accuracy: Array.from(idx).filter((i) => predicted[i] === labels[i]).length / idx.length, macroRecall: recall.reduce((a, r) => a + r, 0) / 3 };
  });
  for (const key of ['accuracy', 'macroRecall'] as const) {
    assert.ok(ci[key].percentile.lower < ci[key].estimate && ci[key].estimate < ci[key].percentile.upper, key);
    assert.ok(ci[key].bca!.upper - ci[key].bca!.lower < 0.15, `${key}: a usable interval`);
  }
});

B('undefined resamples are counted, not averaged in; bad settings are errors with a fix', () => {
  const labels = [0, 1, 0, 1];
  const plan = bootstrapPlan(labels, { seed: 1, resamples: 100 });
  const ci = bootstrapIntervals(plan, (idx) => ({ v: idx[0] === 0 ? Number.NaN : 1 }));
  assert.ok(ci.v.valid < 100 && ci.v.valid > 0, `valid ${ci.v.valid}`);
  throwsCode(() => bootstrapPlan(labels, { seed: 1, resamples: 0 }), 'INVALID_CONFIG', /resamples/);
  throwsCode(() => bootstrapPlan([], { seed: 1 }), 'NO_SAMPLES', /empty/);
  throwsCode(() => bootstrapIntervals(plan, () => ({ v: 1 }), { level: 95 }), 'INVALID_CONFIG', /level/);
});

const D = suite('DeLong');

/** DeLong's variance from the kernel ψ(x, y) ∈ {0, ½, 1}, straight from the 1988 paper. */
function delongByDefinition(labels: number[], a: number[], b: number[]) {
  const P = labels.flatMap((y, i) => (y === 1 ? [i] : []));
  const N = labels.flatMap((y, i) => (y === 0 ? [i] : []));
  const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
  const comps = (s: number[]) => ({
    v10: P.map((i) => N.reduce((t, j) => t + psi(s[i]!, s[j]!), 0) / N.length),
    v01: N.map((j) => P.reduce((t, i) => t + psi(s[i]!, s[j]!), 0) / P.length),
  });
  const cov = (u: number[], v: number[]) => {
    const mu = u.reduce((t, x) => t + x, 0) / u.length;
    const mv = v.reduce((t, x) => t + x, 0) / v.length;
    return u.reduce((t, x, k) => t + (x - mu) * (v[k]! - mv), 0) / (u.length - 1);
  };
  const A = comps(a);
  const Bc = comps(b);
  return {
    varA: cov(A.v10, A.v10) / P.length + cov(A.v01, A.v01) / N.length,
    varDiff:
      (cov(A.v10, A.v10) + cov(Bc.v10, Bc.v10) - 2 * cov(A.v10, Bc.v10)) / P.length +
      (cov(A.v01, A.v01) + cov(Bc.v01, Bc.v01) - 2 * cov(A.v01, Bc.v01)) / N.length,
  };
}

D('midranks average ties', () => {
  assert.equal(Array.from(midranks([3, 1, 3, 2])), [3.5, 1, 3.5, 2]);
});

D('variance, interval and paired test equal the definition (with ties)', () => {
  const data = scored(120, 21, { round: 20 });
  const labels = data.map((d) => d.label);
  const a = data.map((d) => d.score);
  const rng = createRng(3);
  const b = a.map((s) => Math.round(Math.min(1, Math.max(0, s + rng.normal() * 0.2)) * 20) / 20);
  const ref = delongByDefinition(labels, a, b);
  const one = delongAuc(labels, a);
  assert.ok(Math.abs(one.auc - rocAuc(labels, a)) < 1e-12);
  assert.ok(Math.abs(one.variance - ref.varA) < 1e-14, `${one.variance} vs ${ref.varA}`);
  assert.ok(Math.abs(one.ci!.upper - Math.min(1, one.auc + 1.959963984540054 * one.se)) < 1e-12);
  const paired = delongPaired(labels, a, b);
  assert.ok(Math.abs(paired.se ** 2 - ref.varDiff) < 1e-14);
  assert.ok(paired.p > 0 && paired.p < 1);
  const same = delongPaired(labels, a, a);
  assert.is(same.difference, 0);
  assert.is(same.p, 1, 'identical scores: no evidence of a difference');
  assert.is(delongAuc([1, 1], [0.2, 0.3]).ci, null, 'one class: no interval');
});

const O = suite('operating points');

O("Youden's J, target sensitivity, target specificity and the highest F1 on a known curve", () => {
  const labels = [0, 0, 0, 0, 1, 0, 1, 1, 1, 1];
  const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
  // J at 0.7: 4/5 − 0/5 = 0.8; at 0.5: 5/5 − 1/5 = 0.8 (tie: the higher threshold wins).
  assert.is(chooseThreshold(labels, scores, 'youden').threshold, 0.7);
  assert.is(chooseThreshold(labels, scores, { sensitivity: 1 }).threshold, 0.5);
  assert.is(chooseThreshold(labels, scores, { specificity: 0.8 }).threshold, 0.5);
  assert.is(chooseThreshold(labels, scores, { specificity: 1 }).threshold, 0.7);
  // F1 at 0.7: 2·4/(2·4 + 0 + 1) = 0.889; at 0.5: 2·5/(2·5 + 1 + 0) = 0.909; at 0.4: 10/12.
  assert.is(chooseThreshold(labels, scores, 'maxF1').threshold, 0.5);
  assert.match(chooseThreshold(labels, scores, 'maxF1').source, /by the highest F1/);
  const high = chooseThreshold([1, 0], [0.2, 0.9], { specificity: 1 });
  assert.ok(high.threshold > 0.9, 'nothing positive when the top score is a negative');
  assert.equal(chooseThreshold(labels, scores, 'youden').onChoiceSplit, { sensitivity: 0.8, specificity: 1 });
  assert.match(chooseThreshold(labels, scores, { sensitivity: 0.9 }).source, /validation split .* frozen before scoring test/);
  throwsCode(() => chooseThreshold([1, 1], [0.2, 0.3], 'youden'), 'NO_SAMPLES', /only one class/);
  throwsCode(() => chooseThreshold(labels, scores, { specificity: 2 }), 'INVALID_CONFIG', /specificity/);
});

const C = suite('calibration');

C('calibrated by construction: slope near 1, intercept near 0; shrunk scores: slope > 1', () => {
  const rng = createRng(8);
  const n = 20000;
  const scores = Array.from({ length: n }, () => 1 / (1 + Math.exp(-rng.normal() * 1.5)));
  const labels = scores.map((p) => (rng.next() < p ? 1 : 0));
  const fit = logisticCalibration(labels, scores);
  assert.ok(Math.abs(fit.slope - 1) < 0.05, `slope ${fit.slope}`);
  assert.ok(Math.abs(fit.intercept) < 0.05, `intercept ${fit.intercept}`);
  const timid = scores.map((p) => 1 / (1 + Math.exp(-0.5 * Math.log(p / (1 - p)))));
  assert.ok(logisticCalibration(labels, timid).slope > 1.8, 'scores half as extreme: slope about 2');
  assert.ok(Math.abs(brierScore([0, 1], [0.1, 0.8]) - 0.025) < 1e-15);
  const curve = calibrationCurve(labels, scores);
  assert.is(
    curve.points.reduce((a, p) => a + p.count, 0),
    n,
  );
  for (const p of curve.points) assert.ok(Math.abs(p.fractionPositive - p.meanScore) < 0.05, JSON.stringify(p));
});

C('scores outside [0, 1] are refused with a fix', () => {
  throwsCode(() => brierScore([0, 1], [0.2, 1.3]), 'INVALID_CONFIG', /probabilities/);
});

const R = suite('bands, subgroups and the whole evaluation');

R('ROC and PR bands contain the curve and widen with fewer samples', () => {
  const big = scored(600, 31);
  const small = big.slice(0, 60);
  const band = (d: typeof big) =>
    curveBand(
      'roc',
      d.map((x) => x.label),
      d.map((x) => x.score),
      bootstrapPlan(
        d.map((x) => x.label),
        { seed: 1, resamples: 300 },
      ),
    );
  const wide = band(small);
  const narrow = band(big);
  for (let g = 0; g < wide.x.length; g++) {
    assert.ok(wide.lower[g]! <= wide.upper[g]! + 1e-12);
    assert.ok(narrow.lower[g]! - 1e-9 <= narrow.estimate[g]! && narrow.estimate[g]! <= narrow.upper[g]! + 1e-9, `roc at ${narrow.x[g]}`);
  }
  const width = (b: typeof wide) => b.upper.reduce((a, u, g) => a + u - b.lower[g]!, 0);
  assert.ok(width(wide) > 1.5 * width(narrow), `band width ${width(wide)} vs ${width(narrow)}`);
  assert.is(narrow.estimate[narrow.x.length - 1], 1);
  const pr = curveBand(
    'pr',
    big.map((x) => x.label),
    big.map((x) => x.score),
    bootstrapPlan(
      big.map((x) => x.label),
      { seed: 1, resamples: 200 },
    ),
  );
  assert.match(pr.method, /interpolated precision/);
});

R('subgroups: counts, intervals, a warning for a small one, ids and free text left out', () => {
  const data = scored(400, 41).map((d, i) => ({ ...d, attributes: { sex: i % 2 ? 'F' : 'M', site: i < 20 ? 'tiny' : 'main', note: `free text ${i}` } }));
  const groups = subgroupMetrics(data, { threshold: 0.5, seed: 1, resamples: 300 });
  assert.equal(
    groups.map((g) => `${g.attribute}=${g.value}`),
    ['sex=F', 'sex=M', 'site=main', 'site=tiny'],
  );
  const tiny = groups.find((g) => g.value === 'tiny')!;
  assert.is(tiny.n, 20);
  assert.match(tiny.warning!, /too small/);
  const f = groups.find((g) => g.value === 'F')!;
  assert.is(f.warning, undefined);
  assert.is(f.positives + f.negatives, 200);
  assert.ok(f.metrics.auc!.percentile.lower < f.metrics.auc!.estimate && f.metrics.auc!.estimate < f.metrics.auc!.percentile.upper);
});

R('clinicalEvaluation: intervals on every metric with their method, operating points from validation', () => {
  const val = scored(200, 51);
  const test = scored(300, 52);
  const c = clinicalEvaluation(val, test, { threshold: 0.5, sensitivityTarget: 0.8, seed: 42, resamples: 300, recalibrate: 'platt' });
  for (const [key, ci] of Object.entries(c.intervals)) {
    assert.is(ci.resamples, 300, key);
    assert.match(ci.method, /stratified bootstrap: 300 resamples/);
    assert.ok(ci.percentile.lower <= ci.estimate + 1e-12 && ci.estimate <= ci.percentile.upper + 1e-12, `${key}: ${JSON.stringify(ci)}`);
  }
  assert.ok(c.intervals.auc.delong, 'DeLong beside the bootstrap for AUC');
  assert.equal(
    c.operatingPoints.map((o) => o.targetSensitivity),
    [0.8, 0.9, 0.95],
  );
  for (const o of c.operatingPoints) {
    assert.ok(o.validation.sensitivity >= o.targetSensitivity, 'reached on validation');
    assert.is(
      o.threshold,
      chooseThreshold(
        val.map((v) => v.label),
        val.map((v) => v.score),
        { sensitivity: o.targetSensitivity },
      ).threshold,
    );
  }
  assert.is(c.calibration.recalibrated!.fittedOn, 'validation');
  assert.match(c.calibration.binning.rule, /10 equal-width bins/);
});

B.run();
D.run();
O.run();
C.run();
R.run();
