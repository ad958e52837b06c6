/** What each number in metrics.json is; the names follow the textbook (and scikit-learn), not the tutorial. */
export const DEFINITIONS = {
  predicted: 'positive when score >= threshold',
  tp: 'true positives',
  fp: 'false positives',
  tn: 'true negatives',
  fn: 'false negatives',
  accuracy: '(TP+TN)/N',
  precision: 'positive predictive value = TP/(TP+FP)',
  recall: 'sensitivity = true positive rate = TP/(TP+FN)',
  specificity: 'true negative rate = TN/(TN+FP)',
  npv: 'negative predictive value = TN/(TN+FN)',
  f1: '2·precision·recall/(precision+recall)',
  balancedAccuracy: '(recall+specificity)/2',
  kappa: "Cohen's kappa of predicted vs true labels",
  auc: 'area under the ROC curve from all scores (sklearn roc_auc_score)',
  averagePrecision: 'sklearn average_precision_score',
  specificityAtSensitivity: 'maximum specificity over thresholds whose sensitivity >= sensitivityTarget',
};
