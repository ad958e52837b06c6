/**
 * `npm run bench`: trains and predicts the tutorial CNN (64x64x3, batch 32, 256 images, one warm-up batch)
 * on every available tfjs backend and, where Debian's python3-torch is installed, on PyTorch with the same
 * thread count; prints images/s, achieved GFLOP/s, peak RSS, the ratios to PyTorch, and the top kernels of
 * one native training step from tf.profile. Each backend runs in its own child process so that peak RSS is
 * its own. The pure-JS cpu backend takes minutes per batch, so it trains on a few images only (said so in
 * the table).
 *
 * Options: --images N (256) --batch N (32) --cpu-images N (1) --skip-cpu --skip-torch --threads N (cores)
 *          --loop trainOnBatch|minimize (trainOnBatch) --top N (15)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChildResult } from './run-backend.ts';

const { values: opts } = parseArgs({
  options: {
    images: { type: 'string', default: '256' },
    batch: { type: 'string', default: '32' },
    'cpu-images': { type: 'string', default: '1' },
    'skip-cpu': { type: 'boolean', default: false },
    'skip-torch': { type: 'boolean', default: false },
    threads: { type: 'string', default: String(availableParallelism()) },
    loop: { type: 'string', default: 'trainOnBatch' },
    top: { type: 'string', default: '15' },
  },
});

const here = fileURLToPath(new URL('.', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

interface Row {
  readonly name: string;
  readonly note: string;
  readonly train?: number;
  readonly predict?: number;
  readonly trainGflops?: number;
  readonly predictGflops?: number;
  readonly rssMiB?: number;
  readonly error?: string;
}

function runChild(backend: string, images: number, batch: number, profile: boolean): ChildResult | { error: string } {
  const args = [tsx, `${here}run-backend.ts`, backend, String(images), String(batch), opts.loop!, profile ? 'profile' : 'noprofile'];
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8', env: { ...process.env, MEDPIPE_THREADS: opts.threads }, maxBuffer: 16 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return { error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(line) as ChildResult;
}

/** The interpreter that has torch: Debian's /usr/bin/python3 (python3-torch) first, then python3 on PATH. */
function torchPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

function tensorflowAvailable(): boolean {
  return spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { stdio: 'ignore' }).status === 0;
}

const images = Number(opts.images), batch = Number(opts.batch);
const rows: Row[] = [];
let profileRows: ChildResult['profile'] = [];
let profileTotal = 0;

const backends = ['native', ...(tensorflowAvailable() ? ['tensorflow'] : []), ...(opts['skip-cpu'] ? [] : ['cpu'])];
for (const backend of backends) {
  const small = backend === 'cpu';
  const n = small ? Number(opts['cpu-images']) : images;
  const b = small ? Math.min(batch, n) : batch;
  process.stderr.write(`bench: ${backend} (${n} images, batch ${b})...\n`);
  const r = runChild(backend, n, b, backend === 'native');
  if ('error' in r) {
    rows.push({ name: backend, note: '', error: r.error });
    continue;
  }
  if (r.profile) {
    profileRows = r.profile;
    profileTotal = r.profileStepMs ?? 0;
  }
  rows.push({
    name: backend,
    note: small ? `${n} img, batch ${b}, no warm-up; extrapolated` : `${r.info ?? ''}`,
    train: r.trainImagesPerSec, predict: r.predictImagesPerSec,
    trainGflops: r.trainImagesPerSec * r.trainFlopsPerImage / 1e9,
    predictGflops: r.predictImagesPerSec * r.forwardFlopsPerImage / 1e9,
    rssMiB: r.peakRssMiB,
  });
}

const py = opts['skip-torch'] ? undefined : torchPython();
let torch: Row | undefined;
if (py) {
  process.stderr.write(`bench: pytorch (${py})...\n`);
  const r = spawnSync(py, [`${here}torch_reference.py`, '--images', String(images), '--batch', String(batch), '--threads', opts.threads!], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status === 0 && line) {
    const t = JSON.parse(line) as { torch: string; threads: number; trainImagesPerSec: number; predictImagesPerSec: number; peakRssMiB: number };
    const flops = rows.find((x) => x.name === 'native');
    const perImage = flops?.train ? flops.trainGflops! / flops.train : undefined;
    const perImageFwd = flops?.predict ? flops.predictGflops! / flops.predict : undefined;
    torch = {
      name: `pytorch ${t.torch}`, note: `${t.threads} threads, NCHW, reference`, train: t.trainImagesPerSec, predict: t.predictImagesPerSec,
      trainGflops: perImage ? t.trainImagesPerSec * perImage : undefined,
      predictGflops: perImageFwd ? t.predictImagesPerSec * perImageFwd : undefined, rssMiB: t.peakRssMiB,
    };
    rows.push(torch);
  } else {
    rows.push({ name: 'pytorch', note: '', error: (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ') });
  }
}

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '-' : v < 0.1 ? v.toPrecision(2) : v.toFixed(digits));
const ratio = (v: number | undefined, ref: number | undefined): string => (v && ref ? `${(v / ref).toFixed(2)}x` : '-');
const header = ['backend', 'train img/s', 'vs torch', 'train GFLOP/s', 'predict img/s', 'vs torch', 'predict GFLOP/s', 'peak RSS MiB', 'note'];
const table = rows.map((r) => r.error ? [r.name, `failed: ${r.error}`, '', '', '', '', '', '', ''] : [
  r.name, fmt(r.train), ratio(r.train, torch?.train), fmt(r.trainGflops), fmt(r.predict), ratio(r.predict, torch?.predict),
  fmt(r.predictGflops), fmt(r.rssMiB, 0), r.note,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
console.log(`\nTutorial CNN, 64x64x3, batch ${batch}, ${images} images (one warm-up batch not timed), ${opts.threads} threads, loop ${opts.loop}`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
table.forEach((row) => console.log(line(row)));

if (profileRows.length > 0) {
  console.log(`\nTop kernels of one native training step (tf.profile; step total ${profileTotal.toFixed(0)} ms of kernel time)`);
  const top = profileRows.slice(0, Number(opts.top));
  const w = Math.max(...top.map((k) => k.name.length));
  console.log(`${'kernel'.padEnd(w)}  ${'ms'.padStart(8)}  ${'share'.padStart(6)}  calls`);
  for (const k of top) {
    console.log(`${k.name.padEnd(w)}  ${k.ms.toFixed(1).padStart(8)}  ${`${(100 * k.ms / profileTotal).toFixed(1)}%`.padStart(6)}  ${k.calls}`);
  }
}
