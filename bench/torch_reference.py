#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the tutorial CNN, same shapes and optimizer as the tfjs bench.

Run with Debian's interpreter (python3-torch installs for /usr/bin/python3):
    /usr/bin/python3 bench/torch_reference.py --images 256 --batch 32 --threads 2
Prints one JSON line: train/predict images per second and peak RSS, so the bench can print ratios.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn


def build_model() -> nn.Module:
    # Same network as bench/tutorial-model.ts: Keras-style defaults (BatchNorm momentum 0.99, eps 1e-3).
    return nn.Sequential(
        nn.Conv2d(3, 128, 5, padding=2), nn.ReLU(),
        nn.Conv2d(128, 64, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(32 * 32 * 64, 1), nn.Sigmoid(),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--images', type=int, default=256)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--size', type=int, default=64)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model()
    conv2 = model[2]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.92, 0.999), eps=1e-7)
    loss_fn = nn.BCELoss()
    n, b, s = args.images, args.batch, args.size
    x = torch.rand(n, 3, s, s)
    y = (torch.rand(n, 1) > 0.5).float()

    def train_batch(i: int) -> None:
        xb, yb = x[i:i + b], y[i:i + b]
        opt.zero_grad(set_to_none=True)
        # Keras l2(0.01) on the second convolution's kernel, as in the tfjs model.
        loss = loss_fn(model(xb), yb) + 0.01 * conv2.weight.pow(2).sum()
        loss.backward()
        opt.step()

    model.train()
    train_batch(0)  # warm-up batch, not timed
    t0 = time.perf_counter()
    for i in range(0, n, b):
        train_batch(i)
    train_s = time.perf_counter() - t0

    model.eval()
    with torch.no_grad():
        model(x[:b])  # warm-up
        t0 = time.perf_counter()
        for i in range(0, n, b):
            model(x[i:i + b])
        predict_s = time.perf_counter() - t0

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'trainImagesPerSec': n / train_s,
        'predictImagesPerSec': n / predict_s,
        'peakRssMiB': peak_kib / 1024,
    }))


if __name__ == '__main__':
    main()
