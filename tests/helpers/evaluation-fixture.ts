/**
 * A complete evaluation document built from synthetic scores (no training), for tests of the run
 * history and report.html: real intervals, calibration, operating points, subgroups and bands.
 */
import { binaryMetrics, precisionRecallCurve, rocCurve, rocAuc, averagePrecision } from '../../src/metrics/index.ts';
import { clinicalEvaluation } from '../../src/metrics/clinical-evaluation.ts';
import type { EvaluationDocument } from '../../src/report/evaluation-document.ts';
import { hashedKey } from '../../src/report/evaluation-document.ts';
import { createRng } from '../../src/base/rng.ts';

export interface FixtureOptions {
  readonly seed?: number;
  /** How well the scores separate the classes. @default 1.6 */
  readonly shift?: number;
  readonly n?: number;
  readonly resamples?: number;
}

function sample(n: number, seed: number, shift: number, prefix: string) {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2;
    const score = 1 / (1 + Math.exp(-(rng.normal() + shift * label - shift / 2)));
    return {
      id: `${prefix}/${label ? 'pos' : 'neg'}/img${i}.png`,
      label,
      score,
      group: `patient${Math.floor(i / 2)}`,
      attributes: { sex: i % 4 < 2 ? 'F' : 'M', site: i < 12 ? 'small-site' : 'main' },
    };
  });
}

/** A test split of `n` images (ids test/…/img<i>.png, equal across seeds so runs pair up). */
export function evaluationFixture(options: FixtureOptions = {}): EvaluationDocument {
  const seed = options.seed ?? 1;
  const shift = options.shift ?? 1.6;
  const n = options.n ?? 160;
  const val = sample(80, seed + 100, shift, 'val');
  const test = sample(n, seed, shift, 'test');
  const threshold = 0.5;
  const y = test.map((t) => t.label);
  const s = test.map((t) => t.score);
  const clinical = clinicalEvaluation(val, test, { threshold, sensitivityTarget: 0.8, seed, resamples: options.resamples ?? 300, recalibrate: 'isotonic' });
  const history = Array.from({ length: 5 }, (_, e) => ({ loss: 0.7 - e * 0.1, val_loss: 0.72 - e * 0.08, auc: 0.6 + e * 0.07, val_auc: 0.58 + e * 0.06 }));
  return {
    format: 'medpipe-evaluation',
    version: 1,
    split: 'test',
    classes: ['normal', 'pneumonia'],
    positiveClass: 'pneumonia',
    threshold: { value: threshold, source: 'configured' },
    metrics: binaryMetrics(y, s, { threshold }),
    validation: binaryMetrics(
      val.map((v) => v.label),
      val.map((v) => v.score),
      { threshold },
    ),
    clinical,
    context: {
      data: {
        classes: ['normal', 'pneumonia'],
        shape: [28, 28, 1],
        counts: { train: [200, 200], val: [40, 40], test: [n / 2, n / 2] },
        groups: { train: 200, val: 40, test: n / 2 },
        audit: { duplicateContent: 0, sharedGroups: 0, examples: [] },
        preprocessing: [{ step: 'decode', size: [28, 28], channels: 1 }],
        attributes: ['sex', 'site'],
      },
      model: { summary: 'Layer (type)  Output shape  Param #\ndense (Dense)  [null,1]  17' },
      training: { bestEpoch: 4, epochsRun: 5, stoppedEarly: false, restoredBest: true, backend: 'cpu' },
    },
    history,
    curves: {
      roc: { test: { ...rocCurve(y, s, { dropIntermediate: true }), auc: rocAuc(y, s) } },
      pr: { test: { ...precisionRecallCurve(y, s), averagePrecision: averagePrecision(y, s), prevalence: 0.5 } },
    },
    gradCam: { method: 'hirescam', examples: [{ label: 1, score: 0.97, outcome: 'TP', file: 'plots/gradcam/00_TP.png' }] },
    predictions: test.map((t) => ({ key: hashedKey(t.id), group: hashedKey(t.group), label: t.label, score: t.score })),
  };
}

/** A 2×2 PNG (red, green / blue, white) as base64: a stand-in Grad-CAM picture. */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAFElEQVR4nGP4z8DAAMIM/////w8AH+4F+7C4l8kAAAAASUVORK5CYII=';
