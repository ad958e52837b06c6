/**
 * `npm run bench`: trains and predicts the tutorial CNN (64x64x3, batch 32, 256 images, one warm-up batch)
 * on every available tfjs backend and, where Debian's python3-torch is installed, on PyTorch with the same
 * thread count; prints images/s, achieved GFLOP/s, peak RSS, the ratios to PyTorch, and the top kernels of
 * one native training step from tf.profile. Each backend runs in its own child process so that peak RSS is
 * its own. The pure-JS cpu backend takes minutes per batch, so it trains on a few images only (said so in
 * the table).
 *
 * The machine may be shared, so the fast backends and PyTorch run alternately for several rounds and each
 * reports its best round (with the spread), which keeps a burst of someone else's load from deciding a ratio.
 *
 * Options: --images N (256) --batch N (32) --rounds N (3) --cpu-images N (1) --skip-cpu --skip-torch
 *          --threads N (all cores) --loop trainOnBatch|minimize (trainOnBatch) --top N (15)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChildResult } from './run-backend.ts';

const { values: opts } = parseArgs({
  options: {
    images: { type: 'string', default: '256' },
    batch: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
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
    encoding: 'utf8',
    env: { ...process.env, MEDPIPE_THREADS: opts.threads },
    maxBuffer: 16 << 20,
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

const loadBefore = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const images = Number(opts.images),
  batch = Number(opts.batch),
  rounds = Math.max(1, Number(opts.rounds));

/** Best round of each measure, and the range of train img/s over the rounds. */
interface Best {
  train: number;
  predict: number;
  rss: number;
  trains: number[];
  flops?: { train: number; forward: number };
  info?: string;
}
const best = new Map<string, Best>();
function record(name: string, train: number, predict: number, rss: number, extra: Partial<Best> = {}): void {
  const b = best.get(name) ?? { train: 0, predict: 0, rss: 0, trains: [] };
  b.train = Math.max(b.train, train);
  b.predict = Math.max(b.predict, predict);
  b.rss = Math.max(b.rss, rss);
  b.trains.push(train);
  Object.assign(b, extra);
  best.set(name, b);
}
const errors = new Map<string, string>();
let profileRows: ChildResult['profile'] = [];
let profileTotal = 0;

const fast = ['native', ...(tensorflowAvailable() ? ['tensorflow'] : [])];
const py = opts['skip-torch'] ? undefined : torchPython();
const torchName = 'pytorch';
let torchVersion = '';
for (let round = 1; round <= rounds; round++) {
  for (const backend of fast) {
    if (errors.has(backend)) continue;
    process.stderr.write(`bench: round ${round}/${rounds}: ${backend} (${images} images, batch ${batch})...\n`);
    const r = runChild(backend, images, batch, backend === 'native' && round === 1);
    if ('error' in r) {
      errors.set(backend, r.error);
      continue;
    }
    if (r.profile) {
      profileRows = r.profile;
      profileTotal = r.profileStepMs ?? 0;
    }
    record(backend, r.trainImagesPerSec, r.predictImagesPerSec, r.peakRssMiB, {
      flops: { train: r.trainFlopsPerImage, forward: r.forwardFlopsPerImage },
      info: r.info,
    });
  }
  if (py && !errors.has(torchName)) {
    process.stderr.write(`bench: round ${round}/${rounds}: pytorch (${py})...\n`);
    const r = spawnSync(py, [`${here}torch_reference.py`, '--images', String(images), '--batch', String(batch), '--threads', opts.threads!], {
      encoding: 'utf8',
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (r.status === 0 && line) {
      const t = JSON.parse(line) as { torch: string; threads: number; trainImagesPerSec: number; predictImagesPerSec: number; peakRssMiB: number };
      torchVersion = t.torch;
      record(torchName, t.trainImagesPerSec, t.predictImagesPerSec, t.peakRssMiB, { info: `${t.threads} threads, NCHW, same network` });
    } else {
      errors.set(torchName, (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | '));
    }
  }
}
if (!opts['skip-cpu']) {
  // tfjs' pure-JS backend needs about a minute per training image here: a few images, extrapolated.
  const n = Number(opts['cpu-images']);
  process.stderr.write(`bench: cpu (${n} images, batch ${n}, no warm-up)...\n`);
  const r = runChild('cpu', n, n, false);
  if ('error' in r) errors.set('cpu', r.error);
  else record('cpu', r.trainImagesPerSec, r.predictImagesPerSec, r.peakRssMiB, { info: `${n} image(s), batch ${n}, no warm-up, 1 round; extrapolated` });
}

const flops = best.get('native')?.flops ?? best.get('tensorflow')?.flops;
const torch = best.get(torchName);
const rows: Row[] = [];
for (const name of [...fast, 'cpu', torchName]) {
  const b = best.get(name);
  const label = name === torchName ? `pytorch ${torchVersion}` : name;
  if (errors.has(name)) rows.push({ name: label, note: '', error: errors.get(name) });
  if (!b) continue;
  const spread = b.trains.length > 1 ? `train ${Math.min(...b.trains).toFixed(1)}-${Math.max(...b.trains).toFixed(1)} over ${b.trains.length} rounds; ` : '';
  rows.push({
    name: label,
    note: `${spread}${b.info ?? ''}`,
    train: b.train,
    predict: b.predict,
    rssMiB: b.rss,
    trainGflops: flops ? (b.train * flops.train) / 1e9 : undefined,
    predictGflops: flops ? (b.predict * flops.forward) / 1e9 : undefined,
  });
}

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '-' : v < 0.1 ? v.toPrecision(2) : v.toFixed(digits));
const ratio = (v: number | undefined, ref: number | undefined): string => (v && ref ? `${(v / ref).toFixed(2)}x` : '-');
const header = ['backend', 'train img/s', 'vs torch', 'train GFLOP/s', 'predict img/s', 'vs torch', 'predict GFLOP/s', 'peak RSS MiB', 'note'];
const table = rows.map((r) =>
  r.error
    ? [r.name, `failed: ${r.error}`, '', '', '', '', '', '', '']
    : [
        r.name,
        fmt(r.train),
        ratio(r.train, torch?.train),
        fmt(r.trainGflops),
        fmt(r.predict),
        ratio(r.predict, torch?.predict),
        fmt(r.predictGflops),
        fmt(r.rssMiB, 0),
        r.note,
      ],
);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]): string =>
  cells
    .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
    .join('  ')
    .trimEnd();
console.log(
  `\nTutorial CNN, 64x64x3, batch ${batch}, ${images} images (one warm-up batch not timed), ${opts.threads} threads, loop ${opts.loop}; best of ${rounds} rounds; load average before: ${loadBefore}`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
table.forEach((row) => console.log(line(row)));

if (profileRows.length > 0) {
  console.log(`\nTop kernels of one native training step (tf.profile; step total ${profileTotal.toFixed(0)} ms of kernel time)`);
  const top = profileRows.slice(0, Number(opts.top));
  const w = Math.max(...top.map((k) => k.name.length));
  console.log(`${'kernel'.padEnd(w)}  ${'ms'.padStart(8)}  ${'share'.padStart(6)}  calls`);
  for (const k of top) {
    console.log(`${k.name.padEnd(w)}  ${k.ms.toFixed(1).padStart(8)}  ${`${((100 * k.ms) / profileTotal).toFixed(1)}%`.padStart(6)}  ${k.calls}`);
  }
}
