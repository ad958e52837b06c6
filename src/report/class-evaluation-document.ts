/**
 * The clinical files of a multi-class, ordinal or multi-label evaluation (the K-class counterpart
 * of evaluation-document.ts): metrics.json's intervals and definitions, calibration.json,
 * subgroups.json and class-evaluation.json — what report.html is drawn from, with no sample ids,
 * file names or group keys.
 */
import { relative } from 'node:path';
import type { ClassClinicalEvaluation } from '../metrics/class-clinical.ts';
import type { MulticlassMetrics, MultilabelMetrics } from '../metrics/index.ts';
import type { ClassEvaluated } from './evaluation-classes.ts';
import type { EvaluationContext } from './evaluation-context.ts';
import { writeJsonFiles, type EvaluationCurves } from './evaluation-document.ts';
import type { LabelEvaluated } from './evaluation-labels.ts';

export const CLASS_EVALUATION_FILE = 'class-evaluation.json';

export interface ClassEvaluationDocument {
  readonly format: 'medpipe-class-evaluation';
  readonly version: 1;
  readonly split: 'test';
  readonly task: 'multiclass' | 'ordinal' | 'multilabel';
  readonly classes: readonly string[];
  /** Multi-label: each finding's frozen threshold and how it was chosen. */
  readonly thresholds?: readonly number[];
  readonly thresholdSource: string;
  readonly testTimeAugmentation?: string;
  readonly metrics: MulticlassMetrics | MultilabelMetrics;
  readonly clinical: ClassClinicalEvaluation;
  readonly context: EvaluationContext;
  readonly history: readonly Record<string, number>[];
  readonly curves: EvaluationCurves;
  readonly gradCam?: {
    readonly method: string;
    readonly examples: readonly {
      readonly label: number;
      readonly predicted?: number;
      readonly explained?: number;
      readonly score: number;
      readonly file: string;
    }[];
  };
}

/** metrics.json's additions: the intervals (in the metrics' own shape), how they were drawn, and the calibration numbers. */
export function classIntervalFields(clinical: ClassClinicalEvaluation): Record<string, unknown> {
  return {
    intervals: clinical.intervals,
    bootstrap: clinical.bootstrap,
    calibration: {
      brier: clinical.calibration.brier,
      ...(clinical.calibration.topLabel ? { ece: clinical.calibration.topLabel.ece } : {}),
      binning: clinical.calibration.binning.rule,
    },
  };
}

/** The definitions of those additions, for metrics.json's `definitions`. */
export function classClinicalDefinitions(clinical: ClassClinicalEvaluation, task: ClassEvaluationDocument['task']): Record<string, string> {
  return {
    brier:
      task === 'multilabel'
        ? 'mean over findings of each finding’s Brier score, mean (score − 0/1 truth)² (sklearn brier_score_loss per column)'
        : 'multi-class Brier score: mean over images of Σ_k (p_k − 1[y = k])², from 0 to 2 (sklearn brier_score_loss on K-class labels in versions that have it; not halved)',
    ...(task === 'multilabel'
      ? {}
      : {
          ece: `top-label expected calibration error: confidence = the highest probability, correct = it is the true class; Σ (bin count / n)·|accuracy − mean confidence| over ${clinical.calibration.binning.rule}`,
        }),
    intervals: `percentile and BCa intervals of a ${clinical.bootstrap.method}, for every estimate above (counts, supports and thresholds have none); a metric undefined in some resamples (a class absent) is taken over the others (valid < resamples)`,
  };
}

/** class-evaluation.json's content; `gradCamFiles` are the pictures written (one per example, in order). */
export function classEvaluationDocument(
  e: ClassEvaluated | LabelEvaluated,
  outDir: string,
  gradCamFiles: readonly string[],
  tta?: string,
): ClassEvaluationDocument {
  return {
    format: 'medpipe-class-evaluation',
    version: 1,
    split: 'test',
    task: e.task,
    classes: e.classes,
    ...(e.task === 'multilabel' ? { thresholds: e.thresholds } : {}),
    thresholdSource: e.task === 'multilabel' ? e.thresholdSource : e.info.thresholdSource,
    ...(tta ? { testTimeAugmentation: tta } : {}),
    metrics: e.metrics,
    clinical: e.clinical,
    context: e.context,
    history: e.history,
    curves: e.curves,
    ...(e.gradCam
      ? {
          gradCam: {
            method: e.gradCam.method,
            examples: e.gradCam.examples.map((x, i) => ({
              label: x.label,
              ...(x.predicted !== undefined ? { predicted: x.predicted } : {}),
              ...(x.explained !== undefined ? { explained: x.explained } : {}),
              score: x.score,
              file: relative(outDir, gradCamFiles[i]!),
            })),
          },
        }
      : {}),
  };
}

/** Writes calibration.json, subgroups.json and class-evaluation.json; returns their paths. */
export async function writeClassClinicalFiles(outDir: string, document: ClassEvaluationDocument): Promise<string[]> {
  const { clinical } = document;
  const files: [string, unknown][] = [
    [
      'calibration.json',
      {
        split: 'test',
        ...clinical.calibration,
        intervals: { brier: clinical.intervals.brier, ...(clinical.intervals.ece ? { ece: clinical.intervals.ece } : {}) },
      },
    ],
    ['subgroups.json', { bootstrap: clinical.bootstrap, subgroups: clinical.subgroups }],
    [CLASS_EVALUATION_FILE, document],
  ];
  return writeJsonFiles(outDir, files, CLASS_EVALUATION_FILE);
}
