#!/usr/bin/python3
"""Writes tests/fixtures/clahe/cases.json: small 8-bit images and OpenCV's CLAHE of each.

Usage: /usr/bin/python3 tests/reference/clahe_fixture.py   (needs python3-opencv; CI reads the JSON only)
Cases cover sides that divide by the tile grid and sides that do not (OpenCV pads by reflection),
several clip limits (0 = no clipping) and non-square grids. Images are smooth gradients plus noise
with dark and bright blocks, so tiles differ and the clip limit binds.
"""
import json
import pathlib

import cv2
import numpy as np

rng = np.random.default_rng(20261126)


def image(h, w):
    y, x = np.mgrid[0:h, 0:w]
    base = 60 + 80 * (x / w) + 40 * np.sin(y / 5.0)
    base[h // 4 : h // 2, w // 5 : w // 2] -= 50
    base[h // 2 :, w // 2 :] += 60
    noisy = base + rng.normal(0, 12, size=(h, w))
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)


cases = []
for h, w, clip, tiles in [
    (48, 64, 2.0, (8, 8)),
    (37, 53, 2.0, (8, 8)),
    (40, 45, 4.0, (4, 5)),
    (33, 30, 0.0, (3, 3)),
    (64, 61, 1.0, (2, 6)),
]:
    img = image(h, w)
    out = cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles[1], tiles[0])).apply(img)
    cases.append({"height": h, "width": w, "clipLimit": clip, "tiles": list(tiles), "input": img.ravel().tolist(), "opencv": out.ravel().tolist()})

target = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "clahe" / "cases.json"
target.write_text(json.dumps({"opencv": cv2.__version__, "cases": cases}, separators=(",", ":")) + "\n")
print(f"wrote {target} ({len(cases)} cases, OpenCV {cv2.__version__})")
