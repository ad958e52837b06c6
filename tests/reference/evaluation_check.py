#!/usr/bin/python3
"""Recomputes an evaluate stage's metrics from its own predictions with scikit-learn.

Usage: /usr/bin/python3 tests/reference/evaluation_check.py <out-dir>
Binary: reads predictions.csv and validation-predictions.csv (id, file, label, score, predicted) and checks,
to 1e-9, every number of metrics.json and validation-metrics.json against scikit-learn at the threshold
the files state; that `predicted` is score >= threshold on every row; and, when the threshold was
chosen on the validation split for a target sensitivity, that it is the highest validation score
whose sensitivity reaches the target.
Multi-class, ordinal and multi-label (metrics.json has "task"): see class_check.py; every number of the
metrics files must have its scikit-learn twin.
Prints {"checked": n, "problems": [...]} as JSON.
"""
import csv
import json
import math
import os
import sys

import numpy as np
from sklearn.metrics import roc_curve

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sklearn_check  # noqa: E402  (the reference the metric functions are checked with)
import class_check  # noqa: E402
import sklearn_multiclass  # noqa: E402

TOL = 1e-9


def read_predictions(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(r["label"]) for r in rows], dtype=int)
    s = np.array([float(r["score"]) for r in rows], dtype=float)
    p = np.array([int(r["predicted"]) for r in rows], dtype=int)
    return y, s, p


KEYS = ("tp", "fp", "tn", "fn", "accuracy", "precision", "recall", "specificity", "npv", "f1", "balancedAccuracy", "kappa", "auc", "averagePrecision", "specificityAtSensitivity")


def reference(y, s, t, target):
    """scikit-learn's numbers, from the same script the metric functions are checked with."""
    out = sklearn_check.one({"labels": y.tolist(), "scores": s.tolist(), "threshold": t, "sensitivity": target})
    return {key: out[key] for key in KEYS}, out["thresholdForSensitivity"]


def same(a, b):
    if b is None or (isinstance(b, float) and not math.isfinite(b)):
        return a is None or (isinstance(a, float) and math.isnan(a))
    return a is not None and abs(float(a) - float(b)) <= TOL


def check(out_dir):
    if "task" in json.load(open(os.path.join(out_dir, "metrics.json"))):
        return class_check.check(out_dir)
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
        ref, _ = reference(y, s, t, target)
        for key, value in ref.items():
            checked += 1
            if not same(stored.get(key), value):
                problems.append(f"{name} {key}: medpipe {stored.get(key)}, scikit-learn {value}")
        if stored["support"] != {"positive": int((y == 1).sum()), "negative": int((y == 0).sum())}:
            problems.append(f"{name} support {stored['support']} does not count the rows of {csv_name}")
    rule = test.get("thresholdRule")
    if "chosen on the validation split" in test.get("thresholdSource", "") and rule is not None:
        y, s, _ = read_predictions(os.path.join(out_dir, "validation-predictions.csv"))
        checked += 1
        if isinstance(rule, dict) and "sensitivity" in rule:
            _, chosen = reference(y, s, 0.5, rule["sensitivity"])
            what = f"the highest validation score reaching sensitivity {rule['sensitivity']}"
        else:
            # Every distinct validation score, high to low (roc_curve's thresholds without its first, artificial one).
            fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
            fpr, tpr, thr = fpr[1:], tpr[1:], thr[1:]
            if rule == "maxF1":
                chosen = sklearn_multiclass.max_f1_threshold(y, s)
                what = "the validation score with the highest F1"
            elif rule == "youden":
                chosen = float(thr[int(np.argmax(tpr - fpr))])  # argmax: the first, i.e. highest, of ties
                what = "the validation score maximising Youden's J"
            else:
                ok = np.nonzero(1 - fpr >= rule["specificity"] - 1e-12)[0]
                lowest = int(ok[-1]) if len(ok) and ok[0] == 0 else None
                # All kept scores must be a prefix; else nothing reaches it and the threshold sits above every score.
                chosen = float(thr[lowest]) if lowest is not None and np.all(np.diff(ok) == 1) else None
                what = f"the lowest validation score keeping specificity {rule['specificity']}"
                if chosen is None and t > float(np.max(s)):
                    chosen = t
        if chosen is None or abs(chosen - t) > TOL:
            problems.append(f"threshold {t} is not {what} (scikit-learn: {chosen})")
    return {"checked": checked, "problems": problems}


if __name__ == "__main__":
    print(json.dumps(check(sys.argv[1])))
