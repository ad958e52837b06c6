/**
 * The evaluate stage's user-facing files beyond the point estimates: metrics.json's intervals,
 * calibration.json, operating-points.json, subgroups.json, and evaluation.json — everything the
 * HTML report and the run history need, with sample ids and group keys only as hashes.
 */
import { join, relative } from 'node:path';
import type { BinaryMetrics } from '../metrics/binary-metrics.ts';
import type { ClinicalEvaluation } from '../metrics/clinical-evaluation.ts';
import { writeFileAtomic } from '../base/atomic.ts';
import { sha256 } from '../base/canonical.ts';
import { jsonFilePieces } from '../base/json-chunks.ts';
import type { EvaluationContext } from './evaluation-context.ts';

export const EVALUATION_FILE = 'evaluation.json';

/** curves.json: per split, the ROC curve with its AUC and the PR curve with its average precision. */
export interface EvaluationCurves {
  readonly roc: Readonly<Record<string, { readonly fpr: readonly number[]; readonly tpr: readonly number[]; readonly auc: number }>>;
  readonly pr: Readonly<
    Record<
      string,
      { readonly precision: readonly number[]; readonly recall: readonly number[]; readonly averagePrecision: number; readonly prevalence: number }
    >
  >;
}

export interface EvaluationDocument {
  readonly format: 'medpipe-evaluation';
  readonly version: 1;
  readonly split: 'test';
  readonly classes: readonly string[];
  readonly positiveClass: string;
  readonly threshold: { readonly value: number; readonly source: string };
  readonly metrics: BinaryMetrics;
  readonly validation: BinaryMetrics;
  readonly clinical: ClinicalEvaluation;
  readonly context: EvaluationContext;
  readonly history: readonly Record<string, number>[];
  /** ROC and PR curves of the train and test scores (curves.json). */
  readonly curves: EvaluationCurves;
  /** Grad-CAM pictures written under plots/gradcam (paths relative to the output folder). */
  readonly gradCam?: {
    readonly method: string;
    readonly examples: readonly { readonly label: number; readonly score: number; readonly outcome: string; readonly file: string }[];
  };
  /** Test predictions keyed by a hash of the sample id (pairs runs in `medpipe compare`; no file names). */
  readonly predictions: readonly { readonly key: string; readonly group?: string; readonly label: number; readonly score: number }[];
}

/** A short, stable, non-reversible key for a sample id or group key. */
export function hashedKey(value: string): string {
  return sha256(value).slice(0, 20);
}

/**
 * metrics.json's content: the point estimates as before, plus `intervals` (each with its method,
 * resamples and level) and `bootstrap` (how the resamples were drawn).
 * @example
 *   JSON.stringify(metricsWithIntervals({ split: 'test', ...metrics }, clinical), null, 2);
 */
export function metricsWithIntervals(base: Record<string, unknown>, clinical: ClinicalEvaluation): Record<string, unknown> {
  const { definitions, ...rest } = base as { definitions?: Record<string, string> };
  return {
    ...rest,
    intervals: clinical.intervals,
    bootstrap: clinical.bootstrap,
    definitions: {
      ...definitions,
      brier: 'Brier score: mean (score − label)² (sklearn brier_score_loss)',
      ece: `expected calibration error: Σ (bin count / n)·|fraction positive − mean score| over ${clinical.calibration.binning.rule}`,
      calibrationIntercept: 'a in logit P(y=1) = a + logit(score) (slope fixed at 1; 0 = calibrated in the large)',
      calibrationSlope: 'b in logit P(y=1) = a + b·logit(score) (1 = calibrated; < 1: scores too extreme)',
      intervals: `percentile and BCa intervals of a ${clinical.bootstrap.method}; the AUC also has DeLong's interval (normal approximation, clipped to [0, 1]). Threshold metrics use the frozen threshold, so their intervals leave out the uncertainty of choosing it.`,
    },
  };
}

/** What the evaluate stage holds that the document needs (its `Evaluated` fits this). */
export type EvaluationInput = Pick<EvaluationDocument, 'classes' | 'metrics' | 'validation' | 'clinical' | 'context' | 'history' | 'curves'> & {
  readonly thresholdSource: string;
  readonly gradCam?: { readonly method: string; readonly examples: readonly { readonly label: number; readonly score: number; readonly outcome: string }[] };
  readonly predictions: readonly { readonly id: string; readonly group?: string; readonly label: number; readonly score: number }[];
};

/** evaluation.json's content; `gradCamFiles` are the pictures writeGradCamSet wrote (one per example, in order). */
export function evaluationDocument(e: EvaluationInput, outDir: string, gradCamFiles: readonly string[]): EvaluationDocument {
  return {
    format: 'medpipe-evaluation',
    version: 1,
    split: 'test',
    classes: e.classes,
    positiveClass: e.classes[1] ?? '1',
    threshold: { value: e.metrics.threshold, source: e.thresholdSource },
    metrics: e.metrics,
    validation: e.validation,
    clinical: e.clinical,
    context: e.context,
    history: e.history,
    curves: e.curves,
    ...(e.gradCam
      ? {
          gradCam: {
            method: e.gradCam.method,
            examples: e.gradCam.examples.map((x, i) => ({ label: x.label, score: x.score, outcome: x.outcome, file: relative(outDir, gradCamFiles[i]!) })),
          },
        }
      : {}),
    predictions: e.predictions.map((p) => ({
      key: hashedKey(p.id),
      ...(p.group !== undefined ? { group: hashedKey(p.group) } : {}),
      label: p.label,
      score: p.score,
    })),
  };
}

/**
 * Writes calibration.json, operating-points.json, subgroups.json and evaluation.json; returns the paths.
 * @example
 *   files.push(...(await writeEvaluationFiles(outDir, evaluated, gradCamFiles)));
 */
export async function writeEvaluationFiles(outDir: string, e: EvaluationInput, gradCamFiles: readonly string[]): Promise<string[]> {
  const document = evaluationDocument(e, outDir, gradCamFiles);
  const { clinical } = document;
  const files: [string, unknown][] = [
    [
      'calibration.json',
      {
        split: 'test',
        ...clinical.calibration,
        brier: clinical.intervals.brier,
        ece: clinical.intervals.ece,
        intercept: clinical.intervals.calibrationIntercept,
        slope: clinical.intervals.calibrationSlope,
      },
    ],
    [
      'operating-points.json',
      {
        rule: 'threshold = the highest validation-split score reaching each target sensitivity, frozen before scoring test; test sensitivity, specificity, PPV and NPV at that threshold with intervals',
        bootstrap: clinical.bootstrap,
        points: clinical.operatingPoints,
      },
    ],
    ['subgroups.json', { threshold: document.threshold.value, bootstrap: clinical.bootstrap, subgroups: clinical.subgroups }],
    [EVALUATION_FILE, document],
  ];
  return writeJsonFiles(outDir, files, EVALUATION_FILE);
}

/**
 * Writes each [name, value] as JSON, atomically, into `outDir` and returns the paths: indented for a
 * reader, except `compact` (the large document the report is drawn from) on one line.
 */
export async function writeJsonFiles(outDir: string, files: readonly (readonly [string, unknown])[], compact: string): Promise<string[]> {
  const written: string[] = [];
  for (const [name, value] of files) {
    const path = join(outDir, name);
    await writeFileAtomic(path, name === compact ? jsonFilePieces(value) : JSON.stringify(value, null, 2) + '\n');
    written.push(path);
  }
  return written;
}
