/**
 * Exact binary-classification metrics, each equal to scikit-learn's. Decision rule everywhere:
 * predicted = 1 when score >= threshold. Ranking metrics sort the scores once (O(n log n)).
 */
export { binaryCurve, checkBinaryInput, type BinaryCurve } from './binary-curve.ts';
export { confusionAt, confusionOfPredictions, DEFAULT_THRESHOLD, type ConfusionCounts } from './confusion.ts';
export { rocCurve, rocCurveOf, rocAuc, rocAucOf, type RocCurve, type RocCurveOptions } from './roc-curve.ts';
export { precisionRecallCurve, precisionRecallCurveOf, averagePrecision, averagePrecisionOf, type PrecisionRecallCurve } from './precision-recall-curve.ts';
export {
  specificityAtSensitivity,
  specificityAtSensitivityOf,
  thresholdForSensitivity,
  thresholdForSensitivityOf,
  DEFAULT_SENSITIVITY,
} from './specificity-at-sensitivity.ts';
export { binaryMetrics, countMetrics, type BinaryMetrics, type BinaryMetricsOptions, type CountMetrics } from './binary-metrics.ts';
export { epochMetrics, EPOCH_METRIC_KEYS, type EpochMetricKey } from './epoch-metrics.ts';
export {
  classificationReport,
  pyFixed,
  type ClassificationReport,
  type ClassificationReportOptions,
  type ClassificationReportRow,
} from './classification-report.ts';
