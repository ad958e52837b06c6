"""Scores one candidate of the blind RetinaMNIST search from its cv-predictions.csv with scikit-learn.

Usage: /usr/bin/python3 score_cv.py OUT_DIR [OUT_DIR ...]   (each OUT_DIR holds a crossValidate run's cv-predictions.csv)
Prints, per candidate: pooled out-of-fold macro one-vs-rest ROC AUC (the selection metric), argmax accuracy,
expected-grade accuracy (round of sum_k k p_k), quadratic-weighted kappa (argmax), and the AUC on the
MedMNIST val images alone (ids starting with 'val').
"""
import csv
import sys

import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, roc_auc_score


def score(out_dir):
    with open(f"{out_dir}/cv-predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    prob_cols = [c for c in rows[0] if c.startswith("p_")]
    y = np.array([int(r["label"]) for r in rows])
    p = np.array([[float(r[c]) for c in prob_cols] for r in rows])
    k = p.shape[1]
    argmax = p.argmax(1)
    expected = np.clip(np.rint(p @ np.arange(k)), 0, k - 1).astype(int)
    val = np.array([r["id"].startswith("val") for r in rows])
    return {
        "n": len(y),
        "oof_macro_auc": roc_auc_score(y, p, multi_class="ovr", average="macro", labels=list(range(k))),
        "acc_argmax": accuracy_score(y, argmax),
        "acc_expected": accuracy_score(y, expected),
        "qwk": cohen_kappa_score(y, argmax, weights="quadratic"),
        "val_auc": roc_auc_score(y[val], p[val], multi_class="ovr", average="macro", labels=list(range(k))) if val.any() else float("nan"),
        "n_val": int(val.sum()),
    }


if __name__ == "__main__":
    print("| candidate | n | OOF macro AUC | OOF acc (argmax) | OOF acc (expected grade) | OOF QWK | AUC on the 120 val images |")
    print("|---|---|---|---|---|---|---|")
    for d in sys.argv[1:]:
        s = score(d)
        print(f"| {d.rstrip('/').split('/')[-1]} | {s['n']} | {s['oof_macro_auc']:.4f} | {s['acc_argmax']:.4f} | {s['acc_expected']:.4f} | {s['qwk']:.4f} | {s['val_auc']:.4f} (n={s['n_val']}) |")
