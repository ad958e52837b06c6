"""scikit-learn's numbers for K-class (single-label) and multi-label cases; used by sklearn_check.py.

A multi-class case: {"task": "multiclass" | "ordinal", "labels": [class index...], "probabilities": [[K]...],
"classNames": [...], "digits": d}. A multi-label case: {"task": "multilabel", "labels": [[0/1 * K]...],
"scores": [[K]...], "thresholds": [K], "classNames": [...], "digits": d}.
Where scikit-learn raises (a class absent from the labels has no one-vs-rest AUC), the per-class values are
None and the means are over the defined classes; "sklearnMeans" says whether scikit-learn's own averaged
call was used (every class defined).
"""
import numpy as np
from sklearn import metrics as M


def _defined(y, s, metric):
    return metric(y, s) if len(np.unique(y)) == 2 else None


def _mean(values, weights=None):
    pairs = [(v, 1 if weights is None else w) for v, w in zip(values, weights if weights is not None else values) if v is not None]
    total = sum(w for _, w in pairs)
    return None if total == 0 else sum(v * w for v, w in pairs) / total


def _specificity(y, pred):
    """TN/(TN+FP) of a 0/1 column: the recall of the negatives, 0 when there is none."""
    return M.recall_score(1 - y, 1 - pred, zero_division=0)


def multiclass(case):
    y = np.asarray(case["labels"], dtype=int)
    P = np.asarray(case["probabilities"], dtype=float)
    k = P.shape[1]
    labels = list(range(k))
    pred = np.argmax(P, axis=1)
    p, r, f, support = M.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    spec = [_specificity((y == c).astype(int), (pred == c).astype(int)) for c in labels]
    auc = [_defined((y == c).astype(int), P[:, c], M.roc_auc_score) for c in labels]
    ap = [_defined((y == c).astype(int), P[:, c], M.average_precision_score) for c in labels]
    every = all(a is not None for a in auc)
    out = {
        "accuracy": M.accuracy_score(y, pred),
        "balancedAccuracy": M.balanced_accuracy_score(y, pred),
        "kappa": M.cohen_kappa_score(y, pred, labels=labels),
        "quadraticWeightedKappa": M.cohen_kappa_score(y, pred, labels=labels, weights="quadratic"),
        "meanAbsoluteError": M.mean_absolute_error(y, pred),
        "withinOneGradeAccuracy": float(np.mean(np.abs(pred - y) <= 1)),
        "logLoss": M.log_loss(y, P, labels=labels),
        "topKAccuracy": {str(t): M.top_k_accuracy_score(y, P, k=t, labels=labels) for t in range(2, min(5, k - 1) + 1)},
        "confusionMatrix": M.confusion_matrix(y, pred, labels=labels),
        "sklearnMeans": every,
        "perClass": [
            {"precision": p[c], "recall": r[c], "f1": f[c], "support": support[c], "specificity": spec[c], "auc": auc[c], "averagePrecision": ap[c]}
            for c in labels
        ],
    }
    for average in ("macro", "weighted"):
        ap_, ar_, af_, _ = M.precision_recall_fscore_support(y, pred, labels=labels, average=average, zero_division=0)
        weights = None if average == "macro" else support
        out[average] = {
            "precision": ap_, "recall": ar_, "f1": af_,
            "specificity": float(np.average(spec, weights=weights)) if weights is None or sum(weights) else 0.0,
            "auc": M.roc_auc_score(y, P, multi_class="ovr", average=average, labels=labels) if every else _mean(auc, weights),
            "averagePrecision": _mean(ap, weights),
        }
    names = case["classNames"]
    digits = case.get("digits", 2)
    out["reportText"] = M.classification_report(y, pred, labels=labels, target_names=names, digits=digits, zero_division="warn")
    return out


def multilabel(case):
    Y = np.asarray(case["labels"], dtype=int)
    S = np.asarray(case["scores"], dtype=float)
    t = np.asarray(case["thresholds"], dtype=float)
    k = Y.shape[1]
    pred = (S >= t[np.newaxis, :]).astype(int)
    auc = [_defined(Y[:, j], S[:, j], M.roc_auc_score) for j in range(k)]
    ap = [_defined(Y[:, j], S[:, j], M.average_precision_score) for j in range(k)]
    every = all(a is not None for a in auc)
    p, r, f, support = M.precision_recall_fscore_support(Y, pred, average=None, zero_division=0)
    spec = [_specificity(Y[:, j], pred[:, j]) for j in range(k)]
    tn = ((Y == 0) & (pred == 0)).sum()
    fp = ((Y == 0) & (pred == 1)).sum()
    out = {
        "auc": M.roc_auc_score(Y, S, average="macro") if every else _mean(auc),
        "weightedAuc": M.roc_auc_score(Y, S, average="weighted") if every else _mean(auc, support),
        "microAuc": M.roc_auc_score(Y, S, average="micro") if len(np.unique(Y)) == 2 else None,
        "averagePrecision": M.average_precision_score(Y, S, average="macro") if every else _mean(ap),
        "microAveragePrecision": M.average_precision_score(Y, S, average="micro") if len(np.unique(Y)) == 2 else None,
        "hammingLoss": M.hamming_loss(Y, pred),
        "subsetAccuracy": M.accuracy_score(Y, pred),
        "sklearnMeans": every,
        "perLabel": [
            {"precision": p[j], "recall": r[j], "f1": f[j], "support": support[j], "specificity": spec[j], "auc": auc[j], "averagePrecision": ap[j]}
            for j in range(k)
        ],
        "thresholdForMaxF1": [max_f1_threshold(Y[:, j], S[:, j]) for j in range(k)],
    }
    for average in ("micro", "macro", "weighted", "samples"):
        ap_, ar_, af_, _ = M.precision_recall_fscore_support(Y, pred, average=average, zero_division=0)
        out[average] = {"precision": ap_, "recall": ar_, "f1": af_}
    out["micro"]["specificity"] = float(tn / (tn + fp)) if tn + fp else 0.0
    out["macro"]["specificity"] = float(np.mean(spec))
    out["weighted"]["specificity"] = float(np.average(spec, weights=support)) if support.sum() else 0.0
    out["reportText"] = M.classification_report(Y, pred, target_names=case["classNames"], digits=case.get("digits", 2), zero_division="warn")
    return out


def max_f1_threshold(y, s, fallback=0.5):
    """The highest distinct score whose rule s >= t has the largest F1 = 2TP/(2TP+FP+FN)."""
    positives = int(y.sum())
    if positives == 0:
        return fallback
    best, chosen = -1.0, fallback
    for t in sorted(set(s.tolist()), reverse=True):
        tp = int(((s >= t) & (y == 1)).sum())
        fp = int(((s >= t) & (y == 0)).sum())
        f1 = 2 * tp / (tp + fp + positives)
        if f1 > best:
            best, chosen = f1, t
    return chosen


def bin_edges(prob, n_bins, strategy):
    """calibration_curve's bin edges: quantiles of the scores, or n_bins equal widths of [0, 1]."""
    if strategy == "quantile":
        return np.percentile(prob, np.linspace(0, 1, n_bins + 1) * 100)
    return np.linspace(0.0, 1.0, n_bins + 1)


def calibration_bins(y, prob, n_bins, strategy):
    """scikit-learn 1.2's calibration_curve binning, with the counts it does not return."""
    bins = bin_edges(prob, n_bins, strategy)
    ids = np.searchsorted(bins[1:-1], prob)
    sums = np.bincount(ids, weights=prob, minlength=len(bins))
    true = np.bincount(ids, weights=y, minlength=len(bins))
    total = np.bincount(ids, minlength=len(bins))
    nz = total != 0
    return true[nz] / total[nz], sums[nz] / total[nz], total[nz]
