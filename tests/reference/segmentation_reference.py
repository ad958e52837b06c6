"""Reference segmentation metrics: scikit-learn on the flattened ROI pixels, SciPy distance transforms
for the surface distances (MONAI's formulas: edges = mask ^ binary_erosion(mask); d = EDT of the other
edge map sampled at this one's edge pixels; HD95 = max of the directed 95th percentiles; ASSD = mean of
both directions pooled; NSD = share of both surfaces within the tolerance).

Input: a JSON file with {"cases": [...]}; each case gives either arrays (height, width, truth, pred,
roi) or files (truth_file, pred_file, roi_file: images read with PIL, grey >= 128 = foreground, optionally resized to size [h, w] with NEAREST; or
pred_png: a label PNG whose values are class indices), plus classes (K + 1), spacing [dy, dx],
tolerance, and optionally scores (foreground probabilities) for the pixel ROC AUC.
Output: JSON list, per case {"classes": {k: {...}}, "auc": float|null}.
"""
import json
import sys

import numpy as np
from PIL import Image
from scipy import ndimage
from sklearn.metrics import f1_score, jaccard_score, precision_score, recall_score, roc_auc_score


def load_binary(path, size=None):
    image = Image.open(path).convert("L")
    if size is not None:
        image = image.resize((size[1], size[0]), Image.NEAREST)
    return (np.asarray(image) >= 128).astype(np.int64)


def load_case(case):
    if "truth_file" in case:
        size = case.get("size")  # [h, w]: truth and ROI resized with PIL's NEAREST to the prediction's size
        truth = load_binary(case["truth_file"], size)
        if "pred_png" in case:
            pred = np.asarray(Image.open(case["pred_png"])).astype(np.int64)
            if pred.ndim == 3:
                pred = pred[..., 0]
        else:
            pred = load_binary(case["pred_file"], size)
        roi = load_binary(case["roi_file"], size) if case.get("roi_file") else np.ones_like(truth)
        return truth, pred, roi
    shape = (case["height"], case["width"])
    truth = np.array(case["truth"], dtype=np.int64).reshape(shape)
    pred = np.array(case["pred"], dtype=np.int64).reshape(shape)
    roi = np.array(case["roi"], dtype=np.int64).reshape(shape) if case.get("roi") is not None else np.ones(shape, np.int64)
    return truth, pred, roi


def overlap(t, p):
    """sklearn on flattened ROI pixels; None where sklearn would divide by zero."""
    tp = int(np.sum(t & p)); fp = int(np.sum(~t & p)); fn = int(np.sum(t & ~p)); tn = int(np.sum(~t & ~p))
    y, q = t.astype(int), p.astype(int)
    out = {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
    out["dice"] = float(f1_score(y, q, zero_division=0)) if 2 * tp + fp + fn > 0 else None
    out["iou"] = float(jaccard_score(y, q, zero_division=0)) if tp + fp + fn > 0 else None
    out["sensitivity"] = float(recall_score(y, q, zero_division=0)) if tp + fn > 0 else None
    out["specificity"] = float(recall_score(1 - y, 1 - q, zero_division=0)) if tn + fp > 0 else None
    out["precision"] = float(precision_score(y, q, zero_division=0)) if tp + fp > 0 else None
    return out


def edges(mask):
    return mask ^ ndimage.binary_erosion(mask)


def surface(t_full, p_full, spacing, tolerance):
    if not t_full.any() or not p_full.any():
        return {"hd95": None, "assd": None, "nsd": None}
    et, ep = edges(t_full), edges(p_full)
    d_pt = ndimage.distance_transform_edt(~et, sampling=spacing)[ep]
    d_tp = ndimage.distance_transform_edt(~ep, sampling=spacing)[et]
    both = np.concatenate([d_pt, d_tp])
    return {
        "hd95": float(max(np.percentile(d_pt, 95), np.percentile(d_tp, 95))),
        "assd": float(both.mean()),
        "nsd": float(np.sum(both <= tolerance) / both.size),
    }


def main():
    cases = json.load(open(sys.argv[1]))["cases"]
    results = []
    for case in cases:
        truth, pred, roi = load_case(case)
        inside = roi != 0
        spacing = case.get("spacing", [1, 1])
        tolerance = case.get("tolerance", 1)
        classes = {}
        for k in range(1, case["classes"]):
            t_full = (truth == k) & inside
            p_full = (pred == k) & inside
            scores = overlap(t_full[inside], p_full[inside])
            scores.update(surface(t_full, p_full, spacing, tolerance))
            classes[str(k)] = scores
        auc = None
        if case.get("scores") is not None:
            s = np.array(case["scores"], dtype=np.float64).reshape(truth.shape)
            auc = float(roc_auc_score((truth[inside] == 1).astype(int), s[inside]))
        results.append({"classes": classes, "auc": auc})
    json.dump(results, sys.stdout)


main()
