#!/usr/bin/env bash
# Everything the cuda backend needs checked on a GPU machine, in one go: build the addon, compare every
# kernel with tfjs' CPU backend (TF32 and strict FP32), time training and prediction of the tutorial CNN
# beside PyTorch on the same card in the same run, and run pipelines/pneumonia.ts on the GPU.
#
# The machine has CUDA, cuDNN, PyTorch and a compiler but no Node.js and no network: prepare .gpu/ first,
# on a machine with the project installed (`node bench/gpu/pack.mjs`), and send it along. Logs and JSON go
# to $OUT/gpu-logs.tar.gz ($OUT defaults to /tmp/gpu-out); the summary table is printed last.
#   bash bench/gpu/run.sh [quick]
set -u
cd "$(dirname "$0")/../.."
KIT=.gpu
OUT=${OUT:-/tmp/gpu-out}
LOG="$OUT/logs"
mkdir -p "$LOG"
QUICK=${1:-}
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }

unxz_to() { # unxz_to <file.xz> <dest>: xz if present, else Python's lzma
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2"; else python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; fi
}
untar_xz() { # untar_xz <file.tar.xz> <dir>
  python3 -c "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$1" "$2"
}

stamp "unpacking Node, packages and data"
mkdir -p /tmp/node/bin
unxz_to "$KIT/node.xz" /tmp/node/bin/node && chmod +x /tmp/node/bin/node
export PATH=/tmp/node/bin:$PATH
untar_xz "$KIT/modules.tar.xz" .
mkdir -p ../shared/data/pneumoniamnist && untar_xz "$KIT/pneumonia.tar.xz" ../shared/data/pneumoniamnist
node --version
nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total,clocks.sm --format=csv,noheader | tee "$LOG/gpu.txt"

stamp "building the addon"
MEDPIPE_NODE_INCLUDE="$PWD/$KIT/include" node native/cuda/build.mjs 2>&1 | tee "$LOG/build.log"
python3 -c "import json; s=json.load(open('native/cuda/build/status.json')); print({k: v for k, v in s.items() if k != 'log'}); print(s.get('log', '')[-3000:])"
export MEDPIPE_CUDA_ADDON="$PWD/native/cuda/build/medpipe_cuda.node"
[ -f "$MEDPIPE_CUDA_ADDON" ] || { echo "no addon: stopping"; exit 1; }

stamp "kernel checks (TF32 convolutions, as PyTorch's default)"
node "$KIT/bundle/check.mjs" 2>&1 | tee "$LOG/check.log"
stamp "kernel checks (strict FP32)"
MEDPIPE_CUDA_TF32=0 node "$KIT/bundle/check.mjs" > "$LOG/check-fp32.log" 2>&1; grep -E "worst error|training|check:" "$LOG/check-fp32.log"

stamp "throughput: medpipe cuda beside PyTorch"
if [ "$QUICK" = quick ]; then configs="256:40"; else configs="32:100 256:40"; fi
for c in $configs; do
  b=${c%%:*}; steps=${c##*:}; n=$((b * steps))
  prof=""; [ "$b" = 256 ] && prof=profile
  node "$KIT/bundle/throughput.mjs" cuda "$b" "$steps" $prof > "$LOG/tfjs-$b.json" 2> "$LOG/tfjs-$b.err" || tail -5 "$LOG/tfjs-$b.err"
  python3 bench/torch_reference.py --device cuda --batch "$b" --images "$n" --warmup 3 > "$LOG/torch-$b.json" 2> "$LOG/torch-$b.err" || tail -5 "$LOG/torch-$b.err"
done
if [ "$QUICK" != quick ]; then
  # Algorithms timed per shape (cudnn.benchmark's way) instead of the deterministic heuristic choice.
  MEDPIPE_CUDA_BENCHMARK=1 node "$KIT/bundle/throughput.mjs" cuda 256 40 > "$LOG/tfjs-256-benchmark.json" 2> "$LOG/tfjs-256-benchmark.err" || tail -5 "$LOG/tfjs-256-benchmark.err"
  python3 bench/torch_reference.py --device cuda --batch 256 --images 10240 --warmup 3 --bf16 > "$LOG/torch-256-bf16.json" 2> "$LOG/torch-bf16.err" || tail -5 "$LOG/torch-bf16.err"
fi

if [ "$QUICK" != quick ]; then
  stamp "pipelines/pneumonia.ts on the GPU, twice (same seed: the same numbers?)"
  for r in 1 2; do
    rm -rf /tmp/pneumonia-gpu-$r
    node "$KIT/bundle/pipeline.mjs" cuda /tmp/pneumonia-gpu-$r > "$LOG/pipeline-$r.log" 2>&1
    grep -E "\[evaluate\] done|^\{" "$LOG/pipeline-$r.log" | tail -2
  done
  cp /tmp/pneumonia-gpu-1/out/metrics.json "$LOG/pneumonia-metrics.json" 2>/dev/null
  grep -E "backend:" "$LOG/pipeline-1.log" | head -1
  if cmp -s /tmp/pneumonia-gpu-1/out/metrics.json /tmp/pneumonia-gpu-2/out/metrics.json; then echo "metrics.json identical across the two runs"; else echo "metrics.json DIFFERS between the two runs"; fi
fi

stamp "summary"
python3 - "$LOG" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except Exception:
        return None
print('| batch | medpipe cuda train img/s | PyTorch train img/s | ratio | medpipe predict img/s | PyTorch predict img/s | ratio |')
print('| --- | --- | --- | --- | --- | --- | --- |')
for b in (32, 256):
    t, p = load(f'tfjs-{b}.json'), load(f'torch-{b}.json')
    if not t or not p:
        continue
    print(f"| {b} | {t['trainImagesPerSec']:.0f} | {p['trainImagesPerSec']:.0f} | {t['trainImagesPerSec'] / p['trainImagesPerSec']:.2f}x "
          f"| {t['predictImagesPerSec']:.0f} | {p['predictImagesPerSec']:.0f} | {t['predictImagesPerSec'] / p['predictImagesPerSec']:.2f}x |")
tb = load('tfjs-256-benchmark.json')
if tb:
    print(f"medpipe cuda, batch 256, algorithms timed per shape (MEDPIPE_CUDA_BENCHMARK=1): train {tb['trainImagesPerSec']:.0f} img/s, predict {tb['predictImagesPerSec']:.0f} img/s")
bf = load('torch-256-bf16.json')
if bf:
    print(f"PyTorch bf16 autocast, batch 256: train {bf['trainImagesPerSec']:.0f} img/s, predict {bf['predictImagesPerSec']:.0f} img/s")
t = load('tfjs-256.json')
if t:
    print('fallbacks:', t.get('fallbacks'))
    print('profile (ms, one step, synced per kernel):', ', '.join(f"{k['name']} {k['ms']:.2f}/{k['calls']}" for k in (t.get('profile') or [])))
PY
# One archive: the device tool brings back a handful of files.
tar czf "$OUT/gpu-logs.tar.gz" -C "$OUT" logs && rm -rf "$LOG"
stamp "done"
