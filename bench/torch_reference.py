#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the tutorial CNN, same shapes and optimizer as the tfjs bench.

Run with Debian's interpreter (python3-torch installs for /usr/bin/python3):
    /usr/bin/python3 bench/torch_reference.py --images 256 --batch 32 --threads 2
On a GPU (bench/gpu/run.sh): --device cuda [--bf16] times with the device synchronised at both ends, after
warm-up steps, with cudnn.benchmark on (the cuda backend also times cuDNN's algorithms once per shape) and
PyTorch's default precision (TF32 convolutions, FP32 matrix products); --bf16 adds autocast.
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
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--bf16', action='store_true')
    parser.add_argument('--warmup', type=int, default=1)
    args = parser.parse_args()
    dev = torch.device(args.device)
    gpu = dev.type == 'cuda'
    if gpu:
        torch.backends.cudnn.benchmark = True

    def sync() -> None:
        if gpu:
            torch.cuda.synchronize()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model().to(dev)
    conv2 = model[2]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.92, 0.999), eps=1e-7)
    loss_fn = nn.BCELoss()
    n, b, s = args.images, args.batch, args.size
    x = torch.rand(n, 3, s, s, device=dev)
    y = (torch.rand(n, 1, device=dev) > 0.5).float()
    autocast = torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=args.bf16)

    def train_batch(i: int) -> None:
        xb, yb = x[i:i + b], y[i:i + b]
        opt.zero_grad(set_to_none=True)
        # Keras l2(0.01) on the second convolution's kernel, as in the tfjs model.
        with autocast:
            out = model(xb)
        loss = loss_fn(out.float(), yb) + 0.01 * conv2.weight.pow(2).sum()
        loss.backward()
        opt.step()

    model.train()
    for _ in range(args.warmup):
        train_batch(0)  # warm-up batches, not timed
    sync()
    t0 = time.perf_counter()
    for i in range(0, n, b):
        train_batch(i)
    sync()
    train_s = time.perf_counter() - t0

    model.eval()
    with torch.no_grad(), autocast:
        for _ in range(args.warmup):
            model(x[:b])  # warm-up
        sync()
        t0 = time.perf_counter()
        for i in range(0, n, b):
            model(x[i:i + b])
        sync()
        predict_s = time.perf_counter() - t0

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'device': torch.cuda.get_device_name(0) if gpu else 'cpu',
        'batch': b,
        'bf16': args.bf16,
        'trainImagesPerSec': n / train_s,
        'predictImagesPerSec': n / predict_s,
        'peakRssMiB': peak_kib / 1024,
    }))


if __name__ == '__main__':
    main()
