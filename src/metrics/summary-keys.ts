/**
 * The binaryMetrics values that tune ranks candidates by and crossValidate summarises over folds
 * (every value of one number, at one threshold), in report order.
 */
export const SUMMARY_METRIC_KEYS = [
  'auc',
  'averagePrecision',
  'accuracy',
  'balancedAccuracy',
  'precision',
  'recall',
  'specificity',
  'npv',
  'f1',
  'kappa',
  'specificityAtSensitivity',
] as const;

export type SummaryMetricKey = (typeof SUMMARY_METRIC_KEYS)[number];
