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
export { multiclassMetrics, type MulticlassMetrics, type MulticlassMetricsOptions, type ClassMetrics, type Averages } from './multiclass-metrics.ts';
export { multilabelMetrics, thresholdForMaxF1, type MultilabelMetrics, type LabelMetrics } from './multilabel-metrics.ts';
export { multilabelReport } from './classification-report.ts';
export { argmax, confusionMatrix, oneVsRestCounts, type ClassCounts } from './confusion-matrix.ts';
export { cohenKappa } from './kappa.ts';
export { oneVsRest, type OneVsRest } from './one-vs-rest.ts';
export { topKAccuracy } from './top-k.ts';
export { binaryLogLoss, multiclassLogLoss } from './log-loss.ts';
export { checkClassInput, column, rowsOf, type ProbabilityRows } from './class-input.ts';
export { classRates, averageRates, microRates, type ClassRates, type AveragedRates } from './class-rates.ts';
export { classEpochMetrics, labelEpochMetrics, CLASS_EPOCH_METRIC_KEYS, ORDINAL_EPOCH_METRIC_KEYS, LABEL_EPOCH_METRIC_KEYS } from './class-epoch-metrics.ts';
