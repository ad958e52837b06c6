/**
 * `npm run bench:data`: the data plane against Python + PIL (and PyTorch's DataLoader), in the same
 * run, on the same files, with the same process count. Prints one table per section and the ratios.
 *
 * Sets: a generated one (`--gen` 224x224 grey PNGs, cached in ~/.cache/medpipe-bench), PneumoniaMNIST
 * (3,166 PNG 28x28, ../shared/data/pneumoniamnist/images) and brain-tumor MRI (5,708 JPEG → 224x224x1,
 * ../shared/data/brain-tumor-mri/Training). Every file is read once before the timed runs, so both
 * sides meet a warm page cache ("cold" means an empty medpipe cache, not an empty page cache).
 *
 * Options: --gen N (100000) --procs N (2: medpipe's workers and PIL's processes) --sections ingest
 *          --sets gen,pneumonia,brain --rounds N (1; best of N for each side)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GENERATOR_VERSION, SIZE } from './data/generate.ts';

const { values: opts } = parseArgs({
  options: {
    gen: { type: 'string', default: '100000' },
    procs: { type: 'string', default: '2' },
    sections: { type: 'string', default: 'ingest' },
    sets: { type: 'string', default: 'gen,pneumonia,brain' },
    rounds: { type: 'string', default: '1' },
  },
});

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const SHARED = resolve(ROOT, '..', 'shared', 'data');
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const procs = Number(opts.procs);
const rounds = Math.max(1, Number(opts.rounds));
const sections = new Set(opts.sections!.split(','));
const cacheRoot = join(homedir(), '.cache', 'medpipe-bench');

interface DataSet {
  readonly name: string;
  readonly root: string;
  readonly size: readonly [number, number];
  readonly channels: 1 | 3;
}

function child(args: readonly string[], env: NodeJS.ProcessEnv = {}): unknown {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20, cwd: ROOT });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`${args.slice(0, 3).join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return JSON.parse(line);
}

/** The generated set, made (in `procs` processes) when missing. */
async function generatedSet(count: number): Promise<DataSet> {
  const dir = join(cacheRoot, `synthetic-${SIZE}-${count}-v${GENERATOR_VERSION}`);
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) {
    console.log(`generating ${count} PNGs ${SIZE}x${SIZE} in ${dir} (once; cached) ...`);
    const started = Date.now();
    const gen = join(ROOT, 'bench/data/generate.ts');
    await Promise.all(
      Array.from({ length: procs }, (_, i) =>
        new Promise<void>((done, fail) => {
          const r = spawnSync(process.execPath, [TSX, gen, dir, String(count), '--part', `${i}/${procs}`], { stdio: 'inherit' });
          r.status === 0 ? done() : fail(new Error('generator failed'));
        }),
      ),
    );
    spawnSync(process.execPath, [TSX, gen, dir, String(count), '--part', '0/1'], { stdio: 'inherit' });
    console.log(`generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return { name: `generated ${count} PNG ${SIZE}x${SIZE} grey`, root: dir, size: [SIZE, SIZE], channels: 1 };
}

/** Reads every file once so both sides start from a warm page cache. */
async function warm(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) n += await warm(path);
    else if (entry.isFile() && /\.(png|jpe?g)$/i.test(entry.name)) {
      await readFile(path);
      n++;
    }
  }
  return n;
}

const fmt = (x: number | undefined, digits = 0) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

interface IngestResult {
  files: number;
  seconds: number;
  maxRssMiB: number;
  cacheBytes: number;
}

async function ingestSection(sets: readonly DataSet[]): Promise<string> {
  const rows: string[][] = [];
  for (const set of sets) {
    const files = await warm(set.root);
    const [h, w] = set.size;
    const pil = (p: number) => {
      let best: { files_per_s: number; bytes: number } | undefined;
      for (let r = 0; r < rounds; r++) {
        const out = child([PY, join(ROOT, 'bench/data/pil_ingest.py'), set.root, String(h), String(w), String(set.channels), String(p)]) as { files_per_s: number; bytes: number };
        if (!best || out.files_per_s > best.files_per_s) best = out;
      }
      return best!;
    };
    const pil1 = pil(1);
    const pilN = pil(procs);
    let ours: IngestResult | undefined;
    let error: string | undefined;
    for (let r = 0; r < rounds; r++) {
      const cacheDir = join(tmpdir(), `medpipe-bench-ingest-${process.pid}`);
      await rm(cacheDir, { recursive: true, force: true });
      await mkdir(cacheDir, { recursive: true });
      try {
        const out = child([process.execPath, TSX, join(ROOT, 'bench/data/ingest-child.ts'), set.root, String(h), String(w), String(set.channels), cacheDir], { MEDPIPE_WORKERS: String(procs) }) as IngestResult;
        if (!ours || out.seconds < ours.seconds) ours = out;
      } catch (e) {
        error = (e as Error).message.slice(0, 120);
      } finally {
        await rm(cacheDir, { recursive: true, force: true });
      }
    }
    const oursRate = ours ? ours.files / ours.seconds : undefined;
    const records = files * h * w * set.channels; // uint8 records
    rows.push([
      set.name,
      fmt(files),
      fmt(pil1.files_per_s),
      fmt(pilN.files_per_s),
      ours ? fmt(oursRate) : `failed: ${error}`,
      ratio(oursRate, pilN.files_per_s),
      ours ? `${fmt(ours.maxRssMiB)} MiB` : 'n/a',
      ours ? `${fmt(ours.cacheBytes / 2 ** 20, 1)} MiB` : 'n/a',
      `${fmt(records / 2 ** 20, 1)} MiB`,
      ours ? ratio(ours.cacheBytes, records) : 'n/a',
    ]);
  }
  return table(
    ['set', 'files', 'PIL 1 proc files/s', `PIL ${procs} procs files/s`, `medpipe (${procs} workers) files/s`, `vs PIL ${procs} procs (≥ 1.0x)`, 'medpipe peak RSS', 'cache on disk', 'records (uint8)', 'cache / records (≤ 1.1x)'],
    rows,
  );
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
const sets: DataSet[] = [];
for (const name of opts.sets!.split(',')) {
  if (name === 'gen') sets.push(await generatedSet(Number(opts.gen)));
  if (name === 'pneumonia') sets.push({ name: 'PneumoniaMNIST PNG 28x28 grey', root: join(SHARED, 'pneumoniamnist/images'), size: [28, 28], channels: 1 });
  if (name === 'brain') sets.push({ name: 'brain-tumor MRI JPEG → 224x224x1', root: join(SHARED, 'brain-tumor-mri/Training'), size: [224, 224], channels: 1 });
}
const out: string[] = [];
if (sections.has('ingest')) out.push(`### Cold ingest (empty medpipe cache, warm page cache; best of ${rounds})\n\n${await ingestSection(sets)}`);
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '?';
console.log(`\n${out.join('\n\n')}\n\nmachine: ${cpu}, load average before ${loadBefore}, after ${load()} (a shared machine: compare ratios, which come from the same run)`);
