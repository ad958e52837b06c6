#!/usr/bin/python3
"""An independent bootstrap of a run's predictions.csv, for checking metrics.json's AUC interval.

Usage: /usr/bin/python3 tests/reference/bootstrap_predictions.py out/<pipeline>/predictions.csv [resamples] [seed]
Prints JSON: the AUC (scikit-learn roc_auc_score) and its 95% percentile interval from NumPy's own
random resamples, both plain (images drawn with replacement from all) and stratified (within each
class, as medpipe does), plus DeLong's interval computed from the O(mn) kernel definition.
"""
import csv
import json
import sys

import numpy as np
from sklearn.metrics import roc_auc_score


def main():
    path = sys.argv[1]
    resamples = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 12345
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(r["label"]) for r in rows])
    s = np.array([float(r["score"]) for r in rows])
    rng = np.random.default_rng(seed)
    n = len(y)
    plain, strat = [], []
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        if 0 < y[idx].sum() < n:
            plain.append(roc_auc_score(y[idx], s[idx]))
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        strat.append(roc_auc_score(y[idx], s[idx]))
    p, q = s[y == 1], s[y == 0]
    psi = (p[:, None] > q[None, :]) + 0.5 * (p[:, None] == q[None, :])
    auc = psi.mean()
    se = np.sqrt(psi.mean(axis=1).var(ddof=1) / len(p) + psi.mean(axis=0).var(ddof=1) / len(q))
    out = {
        "n": n,
        "positives": int(len(p)),
        "auc": roc_auc_score(y, s),
        "plainPercentile": [float(np.percentile(plain, 2.5)), float(np.percentile(plain, 97.5))],
        "stratifiedPercentile": [float(np.percentile(strat, 2.5)), float(np.percentile(strat, 97.5))],
        "delong": [float(max(0, auc - 1.959963984540054 * se)), float(min(1, auc + 1.959963984540054 * se))],
        "resamples": resamples,
    }
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
