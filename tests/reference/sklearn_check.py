#!/usr/bin/python3
"""Reference numbers from scikit-learn for tests/metrics-sklearn.test.ts.

Usage: /usr/bin/python3 tests/reference/sklearn_check.py cases.json > reference.json
Input: {"cases": [{"labels": [0/1...], "scores": [...], "threshold": t, "sensitivity": s,
                   "classNames": ["a", "b"], "digits": d}, ...]}; a case with "task" multiclass, ordinal or
       multilabel goes to sklearn_multiclass.py (its docstring has the layout).
Output: one object per case; NaN/inf are written as null (strict JSON) and single-class AUC as null.
"""
import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M

import sklearn_multiclass

warnings.simplefilter("ignore")  # zero-division and single-class warnings are expected here


def clean(x):
    if isinstance(x, (list, tuple, np.ndarray)):
        return [clean(v) for v in list(x)]
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    return x


def one(case):
    task = case.get("task", "binary")
    if task in ("multiclass", "ordinal"):
        return clean(sklearn_multiclass.multiclass(case))
    if task == "multilabel":
        return clean(sklearn_multiclass.multilabel(case))
    y = np.asarray(case["labels"], dtype=int)
    s = np.asarray(case["scores"], dtype=float)
    t = case["threshold"]
    target = case["sensitivity"]
    pred = (s >= t).astype(int)
    tn, fp, fn, tp = M.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    two_classes = len(np.unique(y)) == 2
    out = {
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "accuracy": M.accuracy_score(y, pred),
        "precision": M.precision_score(y, pred, zero_division="warn"),
        "recall": M.recall_score(y, pred, zero_division="warn"),
        "specificity": M.recall_score(y, pred, pos_label=0, zero_division="warn"),
        "npv": M.precision_score(y, pred, pos_label=0, zero_division="warn"),
        "f1": M.f1_score(y, pred, zero_division="warn"),
        "balancedAccuracy": M.balanced_accuracy_score(y, pred),
        "kappa": M.cohen_kappa_score(y, pred),
        "auc": M.roc_auc_score(y, s) if two_classes else None,
        "averagePrecision": M.average_precision_score(y, s),
    }
    fpr, tpr, thr = M.roc_curve(y, s, drop_intermediate=False)
    out["roc"] = {"fpr": fpr, "tpr": tpr, "thresholds": thr}
    fpr_d, tpr_d, thr_d = M.roc_curve(y, s, drop_intermediate=True)
    out["rocDropped"] = {"fpr": fpr_d, "tpr": tpr_d, "thresholds": thr_d}
    p, r, pt = M.precision_recall_curve(y, s)
    out["pr"] = {"precision": p, "recall": r, "thresholds": pt}
    if two_classes:
        ok = tpr >= target
        out["specificityAtSensitivity"] = float(np.max(1 - fpr[ok]))
        # Highest threshold reaching the target; index 0 is the artificial "predict nothing" point.
        out["thresholdForSensitivity"] = float(thr[1:][tpr[1:] >= target][0])
    else:
        out["specificityAtSensitivity"] = None
        out["thresholdForSensitivity"] = None
    names = case.get("classNames", ["negative", "positive"])
    digits = case.get("digits", 2)
    out["reportText"] = M.classification_report(y, pred, labels=[0, 1], target_names=names, digits=digits, zero_division="warn")
    out["reportDict"] = M.classification_report(y, pred, labels=[0, 1], target_names=names, output_dict=True, zero_division="warn")
    return clean(out)


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    json.dump({"sklearn": sklearn.__version__, "results": [one(c) for c in cases]}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
