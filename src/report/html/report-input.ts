import type { EvaluationDocument } from '../evaluation-document.ts';
import type { MemoisedPlots } from '../page-plots.ts';

/** How the run was made, from the run history (or the run that is finishing). */
export interface ReportRun {
  /** Run number in the history; absent when the history is off. */
  readonly number?: number;
  readonly runId: string;
  readonly pipeline: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly seed: number;
  readonly backend?: string | null;
  readonly git?: { readonly commit: string; readonly dirty: boolean } | null;
  readonly medpipeVersion?: string | null;
  readonly cacheHits: number;
  readonly stages: readonly {
    readonly stage: string;
    readonly kind: string;
    readonly key: string;
    readonly config: unknown;
    readonly cached: boolean;
    readonly ms: number;
    readonly summary?: string | null;
  }[];
}

export interface ReportInput {
  readonly run: ReportRun;
  readonly evaluation: EvaluationDocument;
  /** Pictures by path relative to the output folder (Grad-CAM), base64 PNG. */
  readonly images: Readonly<Record<string, string>>;
  /** Where the page's plots are memoised (a run's cache), and the document's hash; without it they are drawn. */
  readonly plots?: MemoisedPlots;
}

/** Human names of the metric keys, as the report and `medpipe compare` print them. */
export const METRIC_LABELS: Readonly<Record<string, string>> = {
  auc: 'ROC AUC',
  averagePrecision: 'Average precision',
  accuracy: 'Accuracy',
  balancedAccuracy: 'Balanced accuracy',
  precision: 'Precision (PPV)',
  recall: 'Sensitivity (recall)',
  specificity: 'Specificity',
  npv: 'NPV',
  f1: 'F1',
  kappa: "Cohen's kappa",
  specificityAtSensitivity: 'Specificity at target sensitivity',
  brier: 'Brier score',
  ece: 'Expected calibration error',
  calibrationIntercept: 'Calibration intercept',
  calibrationSlope: 'Calibration slope',
  threshold: 'Decision threshold',
};
