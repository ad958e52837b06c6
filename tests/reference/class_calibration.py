"""Reference numbers for K-class and multi-label calibration (tests/unit/metrics/class-clinical.test.ts).

Reads a JSON list of cases on stdin — {"task", "labels", "rows", "bins", "strategy"} — and prints, per
case: the multi-class Brier score (mean Σ_k (p_k − 1[y=k])², the formula of scikit-learn's multi-class
brier_score_loss, which 1.2 lacks), per class (finding) brier_score_loss and calibration_curve of that
column one-vs-rest, the top-label calibration_curve of (correct, confidence) and the top-label ECE over
calibration_curve's own bins.
"""
import json
import sys

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from sklearn_multiclass import calibration_bins


def ece(y, prob, bins, strategy):
    """Expected calibration error: the bins' |fraction positive - mean score|, weighted by their share of cases."""
    fraction, mean, count = calibration_bins(y, prob, bins, strategy)
    return float(np.sum(count / len(y) * np.abs(fraction - mean)))


def one(case):
    P = np.asarray(case["rows"], dtype=float)
    bins, strategy = case["bins"], case["strategy"]
    out = {"perClass": []}
    if case["task"] == "multilabel":
        Y = np.asarray(case["labels"], dtype=int)
        columns = [Y[:, j] for j in range(P.shape[1])]
    else:
        y = np.asarray(case["labels"], dtype=int)
        columns = [(y == j).astype(int) for j in range(P.shape[1])]
        out["brier"] = float(np.mean(np.sum((P - np.eye(P.shape[1])[y]) ** 2, axis=1)))
        correct = (np.argmax(P, axis=1) == y).astype(int)
        confidence = P.max(axis=1)
        t, p = calibration_curve(correct, confidence, n_bins=bins, strategy=strategy)
        out["topLabel"] = {"fractionPositive": t.tolist(), "meanScore": p.tolist(), "ece": ece(correct, confidence, bins, strategy)}
    for j, yj in enumerate(columns):
        t, p = calibration_curve(yj, P[:, j], n_bins=bins, strategy=strategy)
        out["perClass"].append({"brier": float(brier_score_loss(yj, P[:, j])), "fractionPositive": t.tolist(), "meanScore": p.tolist()})
    if case["task"] == "multilabel":
        out["brier"] = float(np.mean([c["brier"] for c in out["perClass"]]))
    return out


print(json.dumps([one(case) for case in json.load(sys.stdin)]))
