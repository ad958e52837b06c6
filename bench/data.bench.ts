/**
 * `npm run bench:data`: the data plane against Python + PIL (and PyTorch's DataLoader), in the same
 * run, on the same files, with the same process count. Prints one table per section and the ratios.
 *
 * Sets: a generated one (`--gen` 224x224 grey PNGs, cached in ~/.cache/medpipe-bench), PneumoniaMNIST
 * (3,166 PNG 28x28, ../shared/data/pneumoniamnist/images) and brain-tumor MRI (5,708 JPEG → 224x224x1,
 * ../shared/data/brain-tumor-mri/Training). Every file is read once before the timed runs, so both
 * sides meet a warm page cache ("cold" means an empty medpipe cache, not an empty page cache).
 *
 * Sections (--sections, default all):
 *   ingest   cold ingest files/s against PIL, cache footprint against the records' bytes
 *   loader   the loader alone at 224x224x1 (z-score; with and without the affine augmentation)
 *            against a PyTorch DataLoader with the same workers reading the same records
 *   scale    the scale pipeline (bench/data/scale-pipeline.ts: ingest → normalize → split → small
 *            CNN → fit 1 epoch → evaluate) at --scale sizes: peak RSS, wall time; at the largest,
 *            a cached no-op rerun through the CLI (Node start included) and one changed file
 *   train    PneumoniaMNIST training images/s through the loader and from an in-memory array
 *
 * Options: --gen N (100000) --procs N (2: medpipe's workers, PIL's processes, DataLoader workers)
 *          --sections ingest,loader,scale,train --sets gen,pneumonia,brain --rounds N (1; best of N)
 *          --scale 10000,30000,100000 --loader-images N (4096) --ingest-gen N (the ingest section's
 *          generated set: its first N files; default all --gen of them)
 *
 * Page cache: this machine pages out file pages idle for about a minute (DAMON), so every timed
 * ingest is preceded by two reads of its files (the second one fast), whichever side it times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generatedFile, GENERATOR_VERSION, SIZE } from './data/generate.ts';
import { folderBytes } from './data/folder-bytes.ts';

const { values: opts } = parseArgs({
  options: {
    gen: { type: 'string', default: '100000' },
    procs: { type: 'string', default: '2' },
    sections: { type: 'string', default: 'ingest,loader,scale,train' },
    sets: { type: 'string', default: 'gen,pneumonia,brain' },
    rounds: { type: 'string', default: '1' },
    scale: { type: 'string', default: '10000,30000,100000' },
    'loader-images': { type: 'string', default: '4096' },
    'ingest-gen': { type: 'string' },
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
  readonly count: number;
  readonly size: readonly [number, number];
  readonly channels: 1 | 3;
}

/**
 * CPU seconds (user + system) of every child this process has waited for, and their children:
 * on a shared machine wall time depends on the other jobs, CPU time much less.
 */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime (fields 16, 17) in USER_HZ = 100
}

/** The CPU seconds `run` spent in children (see childCpuSeconds). */
function cpuOf<T>(run: () => T): { value: T; cpu: number } {
  const before = childCpuSeconds();
  const value = run();
  return { value, cpu: childCpuSeconds() - before };
}

function child(args: readonly string[], env: NodeJS.ProcessEnv = {}): unknown {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20, cwd: ROOT });
  const line = r.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
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
      Array.from(
        { length: procs },
        (_, i) =>
          new Promise<void>((done, fail) => {
            const r = spawnSync(process.execPath, [TSX, gen, dir, String(count), '--part', `${i}/${procs}`], { stdio: 'inherit' });
            r.status === 0 ? done() : fail(new Error('generator failed'));
          }),
      ),
    );
    spawnSync(process.execPath, [TSX, gen, dir, String(count), '--part', '0/1'], { stdio: 'inherit' });
    console.log(`generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return { name: `generated ${count} PNG ${SIZE}x${SIZE} grey`, root: dir, count, size: [SIZE, SIZE], channels: 1 };
}

/** Reads every image twice, right before a timed run, so each side starts from a warm page cache. */
async function warm(dir: string, any = false): Promise<number> {
  await readAll(dir, any);
  return readAll(dir, any);
}

/** Reads every image (every file with `any`) under `dir` once; returns how many. */
async function readAll(dir: string, any = false): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) n += await readAll(path, any);
    else if (entry.isFile() && (any || /\.(png|jpe?g)$/i.test(entry.name))) {
      await readFile(path);
      n++;
    }
  }
  return n;
}

const fmt = (x: number | undefined, digits = 0) =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
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
  /** The ingest stage's own time (the run minus its fixed costs: git state, history, report). */
  stageSeconds?: number;
  /** CPU seconds of the whole child process (its worker threads included). */
  cpu: number;
}

async function ingestSection(sets: readonly DataSet[]): Promise<string> {
  const rows: string[][] = [];
  for (const set of sets) {
    const files = await readAll(set.root);
    const [h, w] = set.size;
    const pil = async (p: number) => {
      let best: { files_per_s: number; bytes: number; cpu: number } | undefined;
      for (let r = 0; r < rounds; r++) {
        await warm(set.root);
        const { value, cpu } = cpuOf(
          () =>
            child([PY, join(ROOT, 'bench/data/pil_ingest.py'), set.root, String(h), String(w), String(set.channels), String(p)]) as {
              files_per_s: number;
              bytes: number;
            },
        );
        if (!best || value.files_per_s > best.files_per_s) best = { ...value, cpu };
      }
      return best!;
    };
    const pil1 = await pil(1);
    const pilN = await pil(procs);
    let ours: IngestResult | undefined;
    let error: string | undefined;
    for (let r = 0; r < rounds; r++) {
      const cacheDir = join(tmpdir(), `medpipe-bench-ingest-${process.pid}`);
      await rm(cacheDir, { recursive: true, force: true });
      await mkdir(cacheDir, { recursive: true });
      await warm(set.root);
      try {
        const { value: out, cpu } = cpuOf(
          () =>
            child([process.execPath, TSX, join(ROOT, 'bench/data/ingest-child.ts'), set.root, String(h), String(w), String(set.channels), cacheDir], {
              MEDPIPE_WORKERS: String(procs),
            }) as IngestResult,
        );
        if (!ours || out.seconds < ours.seconds) ours = { ...out, cpu };
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
      ours?.stageSeconds ? `${fmt(ours.files / ours.stageSeconds)} (${ratio(ours.files / ours.stageSeconds, pilN.files_per_s)})` : 'n/a',
      ours ? `${fmt(ours.maxRssMiB)} MiB` : 'n/a',
      ours ? `${fmt(ours.cacheBytes / 2 ** 20, 1)} MiB` : 'n/a',
      `${fmt(records / 2 ** 20, 1)} MiB`,
      ours ? ratio(ours.cacheBytes, records) : 'n/a',
      `${fmt(pilN.cpu, 1)} / ${ours ? fmt(ours.cpu, 1) : 'n/a'}`,
    ]);
  }
  return table(
    [
      'set',
      'files',
      'PIL 1 proc files/s',
      `PIL ${procs} procs files/s`,
      `medpipe (${procs} workers) files/s`,
      `vs PIL ${procs} procs (≥ 1.0x)`,
      'ingest stage alone files/s (vs PIL)',
      'medpipe peak RSS',
      'cache on disk',
      'records (uint8)',
      'cache / records (≤ 1.1x)',
      `CPU s, PIL ${procs} procs / medpipe (whole processes, start included)`,
    ],
    rows,
  );
}

/** The first `n` files of the generated set (all of it when smaller), hard-linked into their own folder (cheap, same bytes). */
function subset(full: DataSet, wanted: number): string {
  const n = Math.min(wanted, full.count);
  const dir = join(cacheRoot, `subset-${n}-of-${full.root.split('/').pop()}`);
  for (let i = 0; i < n; i++) {
    const { rel } = generatedFile(i);
    const from = join(full.root, rel);
    const to = join(dir, rel);
    const there = statSync(to, { throwIfNoEntry: false });
    if (there && there.ino === statSync(from).ino) continue;
    if (there) unlinkSync(to); // the one-file test replaced it: link the original back
    mkdirSync(dirname(to), { recursive: true });
    linkSync(from, to);
  }
  return dir;
}

interface PipelineResult {
  ok: boolean;
  error?: string;
  seconds: number;
  ingestSeconds?: number;
  decoded?: number;
  cached: number;
  stages: Record<string, number>;
  maxRssMiB: number;
}

const runPipeline = (root: string, cacheDir: string, until?: string) =>
  child([process.execPath, TSX, join(ROOT, 'bench/data/pipeline-child.ts'), root, cacheDir, ...(until ? ['--until', until] : [])], {
    MEDPIPE_WORKERS: String(procs),
  }) as PipelineResult;

/** `medpipe run bench/data/scale-pipeline.ts` as a user types it (Node start included): wall and CPU seconds, stdout. */
function cliRun(root: string, cacheDir: string, env: Record<string, string> = {}): { seconds: number; cpu: number; stdout: string } {
  const t = performance.now();
  const { value: cli, cpu } = cpuOf(() =>
    spawnSync(
      process.execPath,
      [join(ROOT, 'bin/medpipe.js'), 'run', join(ROOT, 'bench/data/scale-pipeline.ts'), '--plain', '--cache', cacheDir, '--out', join(cacheDir, 'out')],
      { encoding: 'utf8', env: { ...process.env, BENCH_ROOT: root, BENCH_NAME: 'bench-scale', ...env } },
    ),
  );
  return { seconds: (performance.now() - t) / 1000, cpu, stdout: cli.stdout };
}

async function scaleSection(full: DataSet): Promise<string> {
  const sizes = opts.scale!.split(',').map(Number);
  const rows: string[][] = [];
  let extra = '';
  for (const n of sizes) {
    const root = subset(full, n);
    const cacheDir = join(tmpdir(), `medpipe-bench-scale-${n}`);
    await rm(cacheDir, { recursive: true, force: true });
    const r = runPipeline(root, cacheDir);
    const records = n * SIZE * SIZE;
    const cache = await folderBytes(join(cacheDir, 'objects'));
    const stage = (s: string) => (r.stages[s] !== undefined ? `${fmt(r.stages[s], 1)}` : '-');
    rows.push([
      fmt(n),
      r.ok ? 'ok' : `failed: ${r.error?.slice(0, 60)}`,
      `${fmt(r.maxRssMiB)} MiB`,
      fmt(r.seconds, 0),
      stage('ingest'),
      stage('split'),
      stage('fit'),
      stage('evaluate'),
      `${fmt(cache / 2 ** 20)} MiB (${ratio(cache, records)})`,
    ]);
    if (n === Math.max(...sizes) && r.ok) {
      // Cached no-op rerun through the CLI, as a user types it: Node start included.
      const noopRun = cliRun(root, cacheDir);
      const allCached = /run done in .*: 6 cached/.test(noopRun.stdout);
      // One file changed (a new PNG in place of the first one): `medpipe run` of the pipeline's ingest
      // stage alone (BENCH_UNTIL=ingest: same name, same cache entries), Node start to exit.
      const { rel } = generatedFile(0);
      const target = join(root, rel);
      const png = readFileSync(target);
      unlinkSync(target); // the subset holds a hard link: replace it, never write through it
      writeFileSync(target, await reencoded(png));
      const oneRun = cliRun(root, cacheDir, { BENCH_UNTIL: 'ingest' });
      const decoded = /: (\d+) decoded,/.exec(oneRun.stdout)?.[1] ?? `? (${oneRun.stdout.slice(-300)})`;
      extra =
        `
At ${fmt(n)} images (load average ${load()}): cached no-op rerun \`medpipe run\` ${fmt(noopRun.seconds, 2)} s wall, ${fmt(noopRun.cpu, 2)} s CPU, Node start included (target ≤ 2 s; all 6 stages cached: ${
          allCached
            ? 'yes'
            : `NO
${noopRun.stdout.slice(-400)}`
        }). ` +
        `One file replaced: \`medpipe run\` of the ingest stage ${fmt(oneRun.seconds, 2)} s wall from Node start to exit (target ≤ 3 s to the end of ingest; ${fmt(oneRun.cpu, 2)} s CPU), ${decoded} decode(s) (target: exactly 1).`;
    }
    await rm(cacheDir, { recursive: true, force: true });
  }
  return `${table(['images', 'run', 'peak RSS (≤ 2 GiB, flat)', 'wall s', 'ingest s', 'split s', 'fit s', 'evaluate s', 'cache objects (vs uint8 records)'], rows)}${extra}`;
}

/** A PNG with other pixels than `png` (one pixel brightened), encoded anew. */
async function reencoded(png: Buffer): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  data[0] = (data[0]! + 128) % 256;
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

async function loaderSection(full: DataSet): Promise<string> {
  const count = Number(opts['loader-images']);
  const root = subset(full, Math.max(count * 2, 10000));
  const cacheDir = join(tmpdir(), 'medpipe-bench-loader');
  await rm(cacheDir, { recursive: true, force: true });
  const prep = runPipeline(root, cacheDir, 'split');
  if (!prep.ok) return `loader: preparing the data failed: ${prep.error}`;
  const records = join(cacheDir, 'records.json');
  const rows: string[][] = [];
  for (const augment of [false, true]) {
    let ours: { imagesPerSecond: number } | undefined;
    let theirs: { images_per_s: number } | undefined;
    for (let r = 0; r < rounds; r++) {
      await warm(join(cacheDir, 'objects'), true); // the shards, for each side alike
      const o = child(
        [
          process.execPath,
          TSX,
          join(ROOT, 'bench/data/loader-child.ts'),
          cacheDir,
          'bench-scale',
          String(count),
          '--records',
          records,
          ...(augment ? ['--augment'] : []),
        ],
        { MEDPIPE_WORKERS: String(procs) },
      ) as { imagesPerSecond: number };
      if (!ours || o.imagesPerSecond > ours.imagesPerSecond) ours = o;
      try {
        await warm(join(cacheDir, 'objects'), true);
        const t = child([PY, join(ROOT, 'bench/data/torch_loader.py'), records, String(procs), '64', ...(augment ? ['--augment'] : [])]) as {
          images_per_s: number;
        };
        if (!theirs || t.images_per_s > theirs.images_per_s) theirs = t;
      } catch (error) {
        theirs ??= undefined;
        console.log(`PyTorch side unavailable: ${(error as Error).message.slice(0, 160)} (apt-get install python3-torch)`);
      }
    }
    rows.push([
      augment ? 'z-score + affine (rotation 10°, translate 0.1, zoom 0.1)' : 'z-score',
      fmt(ours?.imagesPerSecond),
      augment ? '≥ 1,500' : '≥ 5,000',
      fmt(theirs?.images_per_s),
      ratio(ours?.imagesPerSecond, theirs?.images_per_s),
    ]);
  }
  await rm(cacheDir, { recursive: true, force: true });
  return table(
    ['loader, 224x224x1, batch 64', `medpipe (${procs} workers) img/s`, 'target', `PyTorch DataLoader (${procs} workers) img/s`, 'medpipe / PyTorch'],
    rows,
  );
}

async function trainSection(): Promise<string> {
  const cacheDir = join(tmpdir(), 'medpipe-bench-train');
  await rm(cacheDir, { recursive: true, force: true });
  const r = child([process.execPath, TSX, join(ROOT, 'bench/data/train-child.ts'), cacheDir, '3', String(Math.max(2, rounds))]) as {
    store: number;
    memory: number;
  };
  await rm(cacheDir, { recursive: true, force: true });
  return table(
    ['PneumoniaMNIST training (tutorial CNN 32+32, batch 32, augmentation on)', 'images/s'],
    [
      ['through the store loader', fmt(r.store)],
      ['from an in-memory float32 array (the path before the store)', fmt(r.memory)],
      ['loader / in-memory (within 5%: ≥ 0.95x)', ratio(r.store, r.memory)],
    ],
  );
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const sets: DataSet[] = [];
for (const name of opts.sets!.split(',')) {
  if (name === 'gen') {
    const full = await generatedSet(Number(opts.gen));
    const n = Number(opts['ingest-gen'] ?? full.count);
    sets.push(
      n < full.count ? { ...full, name: `generated ${n} PNG ${SIZE}x${SIZE} grey (the first ${n} of ${full.count})`, root: subset(full, n), count: n } : full,
    );
  }
  if (name === 'pneumonia')
    sets.push({ name: 'PneumoniaMNIST PNG 28x28 grey', root: join(SHARED, 'pneumoniamnist/images'), count: 3166, size: [28, 28], channels: 1 });
  if (name === 'brain')
    sets.push({ name: 'brain-tumor MRI JPEG → 224x224x1', root: join(SHARED, 'brain-tumor-mri/Training'), count: 5708, size: [224, 224], channels: 1 });
}
const out: string[] = [];
/** A section's table with the load average before and after it (other jobs on a shared machine). */
const timed = async (title: string, body: () => Promise<string>) => {
  const before = load();
  const text = await body();
  out.push(`### ${title}\n\n${text}\n\n(load average before ${before}, after ${load()})`);
};
if (sections.has('ingest')) await timed(`Cold ingest (empty medpipe cache, warm page cache; best of ${rounds})`, () => ingestSection(sets));
const generated = await generatedSet(Number(opts.gen));
if (sections.has('loader')) await timed(`Loader alone (best of ${rounds})`, () => loaderSection(generated));
if (sections.has('scale'))
  await timed(`The scale pipeline: ingest → normalize → split → small CNN → fit (1 epoch) → evaluate, ${procs} workers`, () => scaleSection(generated));
if (sections.has('train')) await timed('Training throughput', trainSection);
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '?';
console.log(
  `\n${out.join('\n\n')}\n\nmachine: ${cpu}, load average before ${loadBefore}, after ${load()} (a shared machine: compare ratios, which come from the same run)`,
);
