#!/usr/bin/python3
"""Recomputes an evaluate stage's metrics from its own predictions with scikit-learn.

Usage: /usr/bin/python3 tests/reference/evaluation_check.py <out-dir>
Reads predictions.csv and validation-predictions.csv (id, file, label, score, predicted) and checks, to
1e-9, every number of metrics.json and validation-metrics.json against scikit-learn at the threshold
the files state; that `predicted` is score >= threshold on every row; and, when the threshold was
chosen on the validation split for a target sensitivity, that it is the highest validation score
whose sensitivity reaches the target. Prints {"checked": n, "problems": [...]} as JSON.
"""
import csv
import json
import math
import os
import sys
import warnings

import numpy as np
from sklearn import metrics as M

warnings.simplefilter("ignore")  # zero-division and one-class warnings are part of what is checked
TOL = 1e-9


def read_predictions(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(r["label"]) for r in rows], dtype=int)
    s = np.array([float(r["score"]) for r in rows], dtype=float)
    p = np.array([int(r["predicted"]) for r in rows], dtype=int)
    return y, s, p


def reference(y, s, t, target):
    pred = (s >= t).astype(int)
    tn, fp, fn, tp = M.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    two = len(np.unique(y)) == 2
    out = {
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "accuracy": M.accuracy_score(y, pred),
        "precision": M.precision_score(y, pred, zero_division=0),
        "recall": M.recall_score(y, pred, zero_division=0),
        "specificity": M.recall_score(y, pred, pos_label=0, zero_division=0),
        "npv": M.precision_score(y, pred, pos_label=0, zero_division=0),
        "f1": M.f1_score(y, pred, zero_division=0),
        "balancedAccuracy": M.balanced_accuracy_score(y, pred),
        "kappa": M.cohen_kappa_score(y, pred),
        "auc": M.roc_auc_score(y, s) if two else None,
        "averagePrecision": M.average_precision_score(y, s) if two else None,
    }
    if two:
        fpr, tpr, _ = M.roc_curve(y, s, drop_intermediate=False)
        out["specificityAtSensitivity"] = float(np.max(1 - fpr[tpr >= target]))
    else:
        out["specificityAtSensitivity"] = None
    return out


def same(a, b):
    if b is None or (isinstance(b, float) and not math.isfinite(b)):
        return a is None or (isinstance(a, float) and math.isnan(a))
    return a is not None and abs(float(a) - float(b)) <= TOL


def check(out_dir):
    problems = []
    checked = 0
    test = json.load(open(os.path.join(out_dir, "metrics.json")))
    val = json.load(open(os.path.join(out_dir, "validation-metrics.json")))
    t = test["threshold"]
    target = test["sensitivityTarget"]
    if val["threshold"] != t:
        problems.append(f"validation-metrics.json threshold {val['threshold']} != metrics.json threshold {t}")
    for name, stored, csv_name in (("test", test, "predictions.csv"), ("validation", val, "validation-predictions.csv")):
        y, s, p = read_predictions(os.path.join(out_dir, csv_name))
        bad = np.nonzero(p != (s >= t).astype(int))[0]
        if len(bad):
            problems.append(f"{csv_name}: predicted != (score >= {t}) on {len(bad)} row(s), e.g. row {int(bad[0]) + 2}")
        ref = reference(y, s, t, target)
        for key, value in ref.items():
            checked += 1
            if not same(stored.get(key), value):
                problems.append(f"{name} {key}: medpipe {stored.get(key)}, scikit-learn {value}")
        if stored["support"] != {"positive": int((y == 1).sum()), "negative": int((y == 0).sum())}:
            problems.append(f"{name} support {stored['support']} does not count the rows of {csv_name}")
    if "chosen on the validation split" in test.get("thresholdSource", ""):
        wanted = float(test["thresholdSource"].split(">=")[1].split(",")[0])
        y, s, _ = read_predictions(os.path.join(out_dir, "validation-predictions.csv"))
        fpr, tpr, thr = M.roc_curve(y, s, drop_intermediate=False)
        finite = np.isfinite(thr)
        chosen = float(thr[finite][tpr[finite] >= wanted][0])
        checked += 1
        if abs(chosen - t) > TOL:
            problems.append(f"threshold {t} is not the highest validation score reaching sensitivity {wanted} (scikit-learn: {chosen})")
    return {"checked": checked, "problems": problems}


if __name__ == "__main__":
    print(json.dumps(check(sys.argv[1])))
