"""evaluation_check.py for multi-class, ordinal and multi-label outputs.

Reads predictions.csv and validation-predictions.csv — K classes: id, file, label, true_class, p_<class>...,
predicted, predicted_class; findings: id, file, y_<finding>..., p_<finding>..., pred_<finding>... — and
recomputes every number of metrics.json and validation-metrics.json with scikit-learn
(sklearn_multiclass.py, the reference the metric functions are checked with), to 1e-9. Every numeric
leaf of the metrics files (besides the thresholds, which are checked on their own, and the leakage
counts) must have its scikit-learn twin, so a number medpipe adds without a reference is a problem too.
Also checks predicted = argmax (K classes) or score >= the finding's threshold (findings), and that
thresholds chosen for the best F1 are the validation's.
"""
import csv
import json
import math
import os

import numpy as np

import sklearn_multiclass

TOL = 1e-9
SKIP = {"definitions", "leakage", "thresholds", "notes", "split", "task", "classes", "thresholdSource"}


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
        checked += compare(name, stored, json.loads(json.dumps(reference_tree(task, ref, classes, thresholds), default=_plain)), problems)
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


def _plain(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))
