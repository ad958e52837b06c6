/** What each number in a multi-class, ordinal or multi-label metrics.json is (scikit-learn's names and calls). */
export const CLASS_DEFINITIONS = {
  predicted: 'the class with the highest probability (ties: the lowest class index, numpy argmax)',
  n: 'samples scored',
  accuracy: 'share of samples whose predicted class is the true one (sklearn accuracy_score)',
  balancedAccuracy: 'mean recall over the classes present in the labels (sklearn balanced_accuracy_score)',
  kappa: "Cohen's kappa of predicted vs true classes (sklearn cohen_kappa_score, labels=range(K))",
  quadraticWeightedKappa: "ordinal: Cohen's kappa with weights (i−j)² over the K grades (sklearn cohen_kappa_score(weights='quadratic', labels=range(K)))",
  meanAbsoluteError: 'ordinal: mean |predicted − true grade| in grades (sklearn mean_absolute_error on the grade indices)',
  withinOneGradeAccuracy: 'ordinal: share of predictions at most one grade from the truth',
  auc: "macro one-vs-rest ROC AUC: the mean over classes of the ROC AUC of each class's probability vs the rest (sklearn roc_auc_score(multi_class='ovr', average='macro')); with a class absent from the labels, the mean over the classes present (see notes)",
  topKAccuracy:
    'share of samples whose true class is among the k most probable, per k (sklearn top_k_accuracy_score; ties: the higher class index ranks first)',
  logLoss: 'mean −log p(true class), probabilities clipped to [eps, 1−eps] and renormalised (sklearn log_loss, labels=range(K))',
  macro:
    "unweighted mean over all K classes of precision, recall, specificity, F1 (sklearn average='macro', labels=range(K)); auc and averagePrecision: over the classes present",
  weighted: "support-weighted mean over the classes (sklearn average='weighted'); auc: sklearn roc_auc_score(multi_class='ovr', average='weighted')",
  'perClass.precision': 'TP/(TP+FP) of the class, one-vs-rest (0 when never predicted: sklearn zero_division)',
  'perClass.recall': 'sensitivity TP/(TP+FN) of the class',
  'perClass.specificity': 'TN/(TN+FP): samples of other classes not predicted as this one',
  'perClass.f1': '2·precision·recall/(precision+recall)',
  'perClass.support': 'samples of the class',
  'perClass.auc': "ROC AUC of the class's probability, the class vs the rest (null when absent)",
  'perClass.averagePrecision': "sklearn average_precision_score of the class's probability vs the rest",
  confusionMatrix: 'confusionMatrix[t][p]: samples of true class t predicted as p, classes in the order of `classes` (sklearn confusion_matrix)',
};

export const LABEL_DEFINITIONS = {
  predicted: 'a finding is predicted present when its score >= its threshold (thresholds, chosen on the validation split: see thresholdSource)',
  n: 'samples scored',
  auc: "macro ROC AUC: the mean of the per-finding ROC AUCs (sklearn roc_auc_score(average='macro')); findings present in every sample or in none are left out (see notes)",
  microAuc: "ROC AUC of every (sample, finding) score together (sklearn roc_auc_score(average='micro'))",
  weightedAuc: "per-finding ROC AUC weighted by support (sklearn average='weighted')",
  averagePrecision: "macro average precision (sklearn average_precision_score(average='macro'))",
  microAveragePrecision: "sklearn average_precision_score(average='micro')",
  hammingLoss: 'share of wrong (sample, finding) decisions (sklearn hamming_loss)',
  subsetAccuracy: 'share of samples with every finding right (sklearn accuracy_score on the 0/1 matrices)',
  micro: "precision, recall, F1 of the counts summed over findings (sklearn average='micro'); specificity: ΣTN/Σ(TN+FP)",
  macro: "unweighted mean over the findings (sklearn average='macro')",
  weighted: "support-weighted mean over the findings (sklearn average='weighted')",
  samples: "precision, recall, F1 of each sample's finding set, averaged over samples (sklearn average='samples', 0/0 → 0)",
  'perLabel.*': 'per finding: its threshold, precision, recall (sensitivity), specificity, F1, support, ROC AUC and average precision',
};

export const LEAKAGE_DEFINITION =
  'test images whose pixels (after decoding and normalization) are exactly those of a training image (alsoInTrain) or of a validation image only (alsoInValidation); the metrics above include them';
