#!/usr/bin/python3
"""Reference numbers for tests/evaluation-reference.test.ts: calibration, recalibration, DeLong and
BCa, from scikit-learn, SciPy and NumPy (and, where neither has the quantity, a direct implementation
of its textbook definition).

Usage: /usr/bin/python3 tests/reference/clinical_check.py cases.json > reference.json
Input: {"cases": [{"labels", "scores", "valLabels", "valScores", "bins", "draws", "sample"}, ...]}
  draws/sample: a bootstrap distribution of the mean of `sample` computed by medpipe, so the BCa
  interval can be compared on the very same resampled values.
"""
import json
import math
import sys
import warnings

import numpy as np
import scipy
from scipy import optimize
from sklearn.calibration import _sigmoid_calibration, calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from sklearn_check import clean
from sklearn_multiclass import bin_edges

warnings.simplefilter("ignore")
EPS = 1e-7  # medpipe clips scores to [EPS, 1 - EPS] before the logit


def logit(s):
    s = np.clip(np.asarray(s, dtype=float), EPS, 1 - EPS)
    return np.log(s / (1 - s))


def bins_of(y, s, n_bins, strategy):
    """calibration_curve plus what it does not return: the bin of every score and the counts."""
    edges = bin_edges(s, n_bins, strategy)
    ids = np.searchsorted(edges[1:-1], s)
    counts = np.bincount(ids, minlength=n_bins)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=n_bins, strategy=strategy)
    nonzero = counts != 0
    ece = float(np.sum(counts[nonzero] / len(s) * np.abs(prob_true - prob_pred)))
    return {"edges": edges, "counts": counts[nonzero], "probTrue": prob_true, "probPred": prob_pred, "ece": ece}


def delong_direct(y, scores_list):
    """DeLong et al. (1988) from the kernel psi(x, y) = 1 if x > y, 1/2 if equal: O(m n), no ranks."""
    pos = [np.asarray(s)[y == 1] for s in scores_list]
    neg = [np.asarray(s)[y == 0] for s in scores_list]
    m, n = len(pos[0]), len(neg[0])
    v10, v01, aucs = [], [], []
    for p, q in zip(pos, neg):
        psi = (p[:, None] > q[None, :]) + 0.5 * (p[:, None] == q[None, :])
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
        aucs.append(psi.mean())
    s10 = np.cov(np.vstack(v10)) if len(scores_list) > 1 else np.var(v10[0], ddof=1)
    s01 = np.cov(np.vstack(v01)) if len(scores_list) > 1 else np.var(v01[0], ddof=1)
    return aucs, s10 / m + s01 / n


def one(case):
    y = np.asarray(case["labels"], dtype=int)
    s = np.asarray(case["scores"], dtype=float)
    vy = np.asarray(case["valLabels"], dtype=int)
    vs = np.asarray(case["valScores"], dtype=float)
    out = {"brier": brier_score_loss(y, s)}
    out["uniform"] = bins_of(y, s, case["bins"], "uniform")
    out["quantile"] = bins_of(y, s, case["bins"], "quantile")
    x = logit(s)
    if len(np.unique(y)) == 2:
        # Calibration slope: logistic regression of y on logit(s), no penalty, solved to machine precision.
        lr = LogisticRegression(penalty=None, solver="newton-cg", tol=1e-10, max_iter=1000).fit(x[:, None], y)
        out["slope"] = float(lr.coef_[0][0])
        out["slopeIntercept"] = float(lr.intercept_[0])
        # Calibration intercept with slope fixed at 1: the root of the score equation sum(y - expit(a + x)) = 0.
        f = lambda a: float(np.sum(y - 1 / (1 + np.exp(-(a + x)))))
        out["intercept"] = optimize.brentq(f, -50, 50, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        aucs, var = delong_direct(y, [s])
        out["delong"] = {"auc": aucs[0], "variance": float(var)}
        s2 = np.asarray(case["scoresB"], dtype=float)
        aucs2, cov = delong_direct(y, [s, s2])
        out["delongPaired"] = {"aucA": aucs2[0], "aucB": aucs2[1], "varianceOfDifference": float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])}
    if len(np.unique(vy)) == 2:
        a, b = _sigmoid_calibration(logit(vs), vy)
        out["platt"] = {"a": float(a), "b": float(b), "test": 1 / (1 + np.exp(a * logit(s) + b))}
        iso = IsotonicRegression(out_of_bounds="clip").fit(vs, vy)
        out["isotonic"] = {"x": iso.X_thresholds_, "y": iso.y_thresholds_, "test": iso.predict(s)}
    sample = np.asarray(case["sample"], dtype=float)
    draws = np.asarray(case["draws"], dtype=float)
    out["percentiles"] = [float(np.percentile(draws, q)) for q in (2.5, 97.5, 50, 10, 0, 100)]
    bca = bca_interval(sample, draws)
    if bca is not None:
        out["bca"] = bca
    return clean(out)


def bca_interval(sample, draws):
    """SciPy's own BCa interval (scipy.stats.bootstrap's internals) on medpipe's bootstrap values."""
    try:
        from scipy.stats._resampling import _bca_interval
    except ImportError:
        return None
    alpha_1, alpha_2 = _bca_interval((sample,), np.mean, axis=-1, alpha=0.025, theta_hat_b=draws[None, :], batch=None)[:2]
    lo = np.percentile(draws, float(alpha_1) * 100)
    hi = np.percentile(draws, float(alpha_2) * 100)
    return [float(lo), float(hi)]


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    json.dump({"sklearn": __import__("sklearn").__version__, "scipy": scipy.__version__, "results": [one(c) for c in cases]}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
