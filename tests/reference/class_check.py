"""evaluation_check.py for multi-class, ordinal and multi-label outputs.

Reads predictions.csv and validation-predictions.csv — K classes: id, file, label, true_class, p_<class>...,
predicted, predicted_class; findings: id, file, y_<finding>..., p_<finding>..., pred_<finding>... — and
recomputes every number of metrics.json and validation-metrics.json with scikit-learn
(sklearn_multiclass.py, the reference the metric functions are checked with), to 1e-9. Every numeric
leaf of the metrics files (besides the thresholds, which are checked on their own, and the leakage
counts) must have its scikit-learn twin, so a number medpipe adds without a reference is a problem too.
Also checks predicted = argmax (K classes) or score >= the finding's threshold (findings), and that
thresholds chosen for the best F1 are the validation's.

metrics.json's clinical additions: `calibration` (multi-class Brier = mean Σ_k (p_k − 1[y=k])², the
formula of scikit-learn's multi-class brier_score_loss, which 1.2 lacks; top-label ECE over
calibration_curve's own bins; multi-label: the mean per-finding brier_score_loss), every interval's
estimate equal to its metric (1e-9) with lower ≤ upper, and an independent NumPy bootstrap of the
accuracy (K classes, stratified) or subset accuracy (findings) whose percentile ends agree.
"""
import csv
import json
import math
import os

import numpy as np

import sklearn_multiclass
from sklearn_multiclass import calibration_bins

TOL = 1e-9
SKIP = {"definitions", "leakage", "thresholds", "notes", "split", "task", "classes", "thresholdSource", "intervals", "bootstrap", "calibration"}
# The independent bootstrap of the accuracy interval: its ends agree with medpipe's within this (plus one sample's step).
BOOTSTRAP_TOL = 0.02


def read(path, classes, task):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    P = np.array([[float(r[f"p_{c}"]) for c in classes] for r in rows], dtype=float)
    if task == "multilabel":
        Y = np.array([[int(r[f"y_{c}"]) for c in classes] for r in rows], dtype=int)
        pred = np.array([[int(r[f"pred_{c}"]) for c in classes] for r in rows], dtype=int)
        return Y, P, pred
    y = np.array([int(r["label"]) for r in rows], dtype=int)
    pred = np.array([int(r["predicted"]) for r in rows], dtype=int)
    return y, P, pred


def reference_tree(task, ref, classes, thresholds=None):
    """scikit-learn's numbers laid out as medpipe's metrics.json (a finding's threshold is the one the files state)."""
    if task == "multilabel":
        tree = {k: ref[k] for k in ("auc", "microAuc", "weightedAuc", "averagePrecision", "microAveragePrecision", "hammingLoss", "subsetAccuracy")}
        for average in ("micro", "macro", "weighted", "samples"):
            tree[average] = ref[average]
        tree["perLabel"] = {c: {**ref["perLabel"][j], "threshold": thresholds[j]} for j, c in enumerate(classes)}
        return tree
    tree = {k: ref[k] for k in ("accuracy", "balancedAccuracy", "kappa", "logLoss", "topKAccuracy", "confusionMatrix")}
    tree["auc"] = ref["macro"]["auc"]
    tree["macro"] = ref["macro"]
    tree["weighted"] = ref["weighted"]
    tree["perClass"] = {c: ref["perClass"][j] for j, c in enumerate(classes)}
    if task == "ordinal":
        for k in ("quadraticWeightedKappa", "meanAbsoluteError", "withinOneGradeAccuracy"):
            tree[k] = ref[k]
    return tree


def leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            if not path and k in SKIP:
                continue
            yield from leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, path + (str(i),))
    elif value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, value


def lookup(tree, path):
    for key in path:
        if isinstance(tree, list):
            tree = tree[int(key)]
        elif isinstance(tree, dict) and key in tree:
            tree = tree[key]
        else:
            return KeyError
    return tree


def same(a, b):
    if b is None or (isinstance(b, float) and not math.isfinite(b)):
        return a is None
    return a is not None and abs(float(a) - float(b)) <= TOL


def compare(name, stored, tree, problems):
    checked = 0
    for path, value in leaves(stored):
        ref = lookup(tree, path)
        where = f"{name} {'.'.join(path)}"
        if ref is KeyError:
            if path == ("n",):
                continue
            problems.append(f"{where}: medpipe reports {value}, which has no scikit-learn reference here")
            continue
        checked += 1
        if not same(value, ref):
            problems.append(f"{where}: medpipe {value}, scikit-learn {ref}")
    for path, _ in leaves(tree):
        if lookup(stored, path) is KeyError:
            problems.append(f"{name} {'.'.join(path)}: missing from the metrics file")
    return checked


def check(out_dir):
    problems = []
    checked = 0
    test = json.load(open(os.path.join(out_dir, "metrics.json")))
    val = json.load(open(os.path.join(out_dir, "validation-metrics.json")))
    task, classes = test["task"], test["classes"]
    thresholds = [test["thresholds"][c] for c in classes] if task == "multilabel" else None
    for name, stored, csv_name in (("test", test, "predictions.csv"), ("validation", val, "validation-predictions.csv")):
        y, P, pred = read(os.path.join(out_dir, csv_name), classes, task)
        if stored["n"] != len(y):
            problems.append(f"{name} n {stored['n']} != {len(y)} rows of {csv_name}")
        if task == "multilabel":
            bad = np.nonzero((pred != (P >= np.asarray(thresholds)[np.newaxis, :]).astype(int)).any(axis=1))[0]
            case = {"task": task, "labels": y.tolist(), "scores": P.tolist(), "thresholds": thresholds, "classNames": classes}
            ref = sklearn_multiclass.multilabel(case)
        else:
            bad = np.nonzero(pred != np.argmax(P, axis=1))[0]
            ref = sklearn_multiclass.multiclass({"task": task, "labels": y.tolist(), "probabilities": P.tolist(), "classNames": classes})
        if len(bad):
            problems.append(f"{csv_name}: the prediction is not the rule's on {len(bad)} row(s), e.g. row {int(bad[0]) + 2}")
        tree = json.loads(json.dumps(reference_tree(task, ref, classes, thresholds), default=_plain))
        checked += compare(name, stored, tree, problems)
        if name == "test" and "intervals" in stored:
            checked += check_clinical(stored, tree, y, P, task, problems)
    if task == "multilabel" and "highest F1" in test.get("thresholdSource", ""):
        Y, S, _ = read(os.path.join(out_dir, "validation-predictions.csv"), classes, task)
        for j, c in enumerate(classes):
            if Y[:, j].sum() in (0, len(Y)):
                continue  # one class only in validation: 0.5, nothing chosen
            checked += 1
            want = sklearn_multiclass.max_f1_threshold(Y[:, j], S[:, j])
            if abs(want - thresholds[j]) > TOL:
                problems.append(f"threshold of {c} {thresholds[j]} is not the validation's best-F1 threshold {want}")
    return {"checked": checked, "problems": problems}


def check_clinical(stored, tree, y, P, task, problems):
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    checked = 0
    calibration = stored["calibration"]
    rule = calibration["binning"]
    n_bins = int(rule.split(" ")[0])
    strategy = "quantile" if "quantile" in rule else "uniform"
    if task == "multilabel":
        brier = np.mean([brier_score_loss(y[:, j], P[:, j]) for j in range(P.shape[1])])
    else:
        onehot = np.eye(P.shape[1])[y]
        brier = np.mean(np.sum((P - onehot) ** 2, axis=1))
        correct = (np.argmax(P, axis=1) == y).astype(float)
        confidence = P.max(axis=1)
        true, pred, total = calibration_bins(correct, confidence, n_bins, strategy)
        sk_true, sk_pred = calibration_curve(correct, confidence, n_bins=n_bins, strategy=strategy)
        if not (np.allclose(true, sk_true, atol=TOL) and np.allclose(pred, sk_pred, atol=TOL)):
            problems.append("top-label binning does not reproduce scikit-learn's calibration_curve")
        ece = float(np.sum(total / len(y) * np.abs(true - pred)))
        checked += 1
        if not same(calibration["ece"], ece):
            problems.append(f"test calibration.ece: medpipe {calibration['ece']}, reference {ece}")
        tree = {**tree, "ece": ece}
    checked += 1
    if not same(calibration["brier"], brier):
        problems.append(f"test calibration.brier: medpipe {calibration['brier']}, reference {brier}")
    tree = {**tree, "brier": float(brier)}
    # Every interval sits on a metric: its estimate is that metric, and lower <= upper.
    for path, value in leaves(stored["intervals"]):
        if path[-1] != "estimate":
            continue
        ci = lookup(stored["intervals"], path[:-1])
        ref = lookup(tree, path[:-1])
        where = f"test intervals.{'.'.join(path[:-1])}"
        if ref is KeyError:
            problems.append(f"{where}: an interval on a number with no reference")
            continue
        checked += 1
        if not same(value, ref):
            problems.append(f"{where}: estimate {value}, the metric is {ref}")
        lo, hi = ci["percentile"]["lower"], ci["percentile"]["upper"]
        if lo is not None and hi is not None and lo > hi + TOL:
            problems.append(f"{where}: percentile interval {lo} > {hi}")
    for path, _ in leaves(tree):
        if path[0] in ("confusionMatrix",) or path[-1] in ("support", "threshold"):
            continue
        if lookup(stored["intervals"], path) is KeyError:
            problems.append(f"test intervals.{'.'.join(path)}: no interval for this metric")
    checked += independent_bootstrap(stored, y, P, task, problems)
    return checked


def independent_bootstrap(stored, y, P, task, problems):
    """Percentile interval of the (subset) accuracy from NumPy's own resamples (no groups in these checks)."""
    boot = stored["bootstrap"]
    if boot["unit"] != "sample":
        return 0
    rng = np.random.default_rng(12345)
    n = len(y)
    if task == "multilabel":
        hits = (((P >= np.asarray([stored["thresholds"][c] for c in stored["classes"]])[np.newaxis, :]).astype(int)) == y).all(axis=1)
        key = "subsetAccuracy"
        strata = [np.arange(n)]
    else:
        hits = np.argmax(P, axis=1) == y
        key = "accuracy"
        strata = [np.nonzero(y == c)[0] for c in np.unique(y)]
    draws = np.empty(boot["resamples"])
    for b in range(boot["resamples"]):
        draws[b] = np.concatenate([hits[rng.choice(s, size=len(s), replace=True)] for s in strata]).mean()
    alpha = (1 - boot["level"]) / 2
    lo, hi = np.quantile(draws, [alpha, 1 - alpha])
    ci = stored["intervals"][key]["percentile"]
    tol = BOOTSTRAP_TOL + 1 / n
    if abs(ci["lower"] - lo) > tol or abs(ci["upper"] - hi) > tol:
        problems.append(f"test intervals.{key}: percentile {ci['lower']}–{ci['upper']}, NumPy's bootstrap {lo}–{hi} (tolerance {tol:.3f})")
    return 1


def _plain(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))
