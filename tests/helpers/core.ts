// Shared helpers for the core tests (tests/e2e/*.test.ts): temp folders, synthetic image
// fixtures, a slice of the real PneumoniaMNIST data, and a run that collects its events.
//
// The runtime is loaded with import(), as the CLI loads it: under `uvu -r tsx` static imports go
// through the CommonJS hook while the runtime's own lazy imports go through the ESM loader, and two
// copies of a module would break `instanceof` and module-level state. Types are imported statically.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SHARED_DATA } from './paths.ts';
import type { RunEvent } from '../../src/runtime/events.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import type { RunOptions } from '../../src/runtime/run.ts';

export type Medpipe = typeof import('../../src/index.ts');
export type Runtime = typeof import('../../src/runtime/run.ts');

export { ROOT };
export const SHARED = path.join(SHARED_DATA, 'pneumoniamnist');
export const SHARED_IMAGES = path.join(SHARED, 'images');
export const SHARED_NPZ = path.join(SHARED, 'pneumoniamnist.npz');
/** file:// URL of the public entry, for pipeline files written into temp folders. */
export const ENTRY_URL = pathToFileURL(path.join(ROOT, 'src', 'index.ts')).href;

export async function loadMedpipe(): Promise<Medpipe> {
  return import('../../src/index.ts');
}

export async function loadRuntime(): Promise<Runtime> {
  return import('../../src/runtime/run.ts');
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `medpipe-${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Copies the first `perClass[split]` PNGs of each class of each split from the shared data. */
export async function copyRealSlice(to: string, perClass: Readonly<Record<'train' | 'val' | 'test', number>>): Promise<number> {
  let n = 0;
  for (const [split, count] of Object.entries(perClass)) {
    for (const label of ['normal', 'pneumonia']) {
      const from = path.join(SHARED_IMAGES, split, label);
      const dest = path.join(to, split, label);
      await mkdir(dest, { recursive: true });
      for (const name of (await readdir(from)).sort().slice(0, count)) {
        await copyFile(path.join(from, name), path.join(dest, name));
        n++;
      }
    }
  }
  return n;
}

import { prng } from './prng.ts';
export { prng };

/**
 * Writes an 8-bit grey PNG of `size`×`size` whose pixels are noise around `level`, so every
 * file is distinct (no accidental duplicates) but the two classes are easy to tell apart.
 */
export async function writeGreyPng(file: string, level: number, seed: number, size = 16): Promise<void> {
  const sharp = (await import('sharp')).default;
  const rand = prng(seed);
  const pixels = Buffer.alloc(size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, Math.round(level + (rand() - 0.5) * 60)));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    await sharp(pixels, { raw: { width: size, height: size, channels: 1 } })
      .png()
      .toBuffer(),
  );
}

/**
 * A folder-per-class dataset: `<root>/<class>/<class>_<i>.png`, `n` per class; class `a` is dark,
 * class `b` bright. Returns the file paths.
 */
export async function makeClassFolders(
  root: string,
  n: number,
  options: { classes?: readonly string[]; size?: number; seed?: number } = {},
): Promise<string[]> {
  const classes = options.classes ?? ['a', 'b'];
  const files: string[] = [];
  for (const [c, name] of classes.entries()) {
    for (let i = 0; i < n; i++) {
      const file = path.join(root, name, `${name}_${String(i).padStart(3, '0')}.png`);
      await writeGreyPng(file, 60 + 120 * c, (options.seed ?? 1) * 100_000 + c * 1000 + i, options.size ?? 16);
      files.push(file);
    }
  }
  return files;
}

export interface Collected {
  readonly events: RunEvent[];
  readonly done: Extract<RunEvent, { type: 'run-done' }>;
}

/** Runs a pipeline to completion (with runToCompletion) and returns every event. */
export async function runCollect(pipeline: Pipeline<unknown>, options: RunOptions): Promise<Collected> {
  const { runToCompletion } = await loadRuntime();
  const events: RunEvent[] = [];
  const done = await runToCompletion(pipeline, options, (e) => events.push(e));
  return { events, done };
}

export const cachedStages = (events: readonly RunEvent[]) => events.flatMap((e) => (e.type === 'stage-cached' ? [e.stage] : []));
export const startedStages = (events: readonly RunEvent[]) => events.flatMap((e) => (e.type === 'stage-start' ? [e.stage] : []));
export const logsOf = (events: readonly RunEvent[], stage?: string) =>
  events.flatMap((e) => (e.type === 'log' && (stage === undefined || e.stage === stage) ? [e.message] : []));

/** The number of fresh decodes the ingest stage reports ("N files: D decoded, C from the per-file cache"). */
export function decodedCount(events: readonly RunEvent[]): number | undefined {
  for (const message of logsOf(events, 'ingest')) {
    const m = /: (\d+) decoded,/.exec(message);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Throws with the run's error when it did not succeed (so a failure shows its reason). */
export function assertOk(collected: Collected): void {
  if (!collected.done.ok) {
    const failed = collected.events.find((e) => e.type === 'stage-failed');
    throw new Error(`run failed: ${JSON.stringify(collected.done.error)}${failed ? ` in ${(failed as { stage: string }).stage}` : ''}`);
  }
}

/** runCollect, and the run's error when it did not succeed. */
export async function runOk(pipeline: Pipeline<unknown>, options: RunOptions): Promise<Collected> {
  const collected = await runCollect(pipeline, options);
  assertOk(collected);
  return collected;
}

/**
 * The output a finished run left for one stage, read back from the cache the way a later run
 * would (index → verified entry → objects → the stage's decode).
 */
export async function loadOutput<T>(cacheDir: string, pipelineName: string, stage: string): Promise<T> {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  const { definitionOf } = await import('../../src/stages/registry.ts');
  const store = new CacheStore(cacheDir);
  const index = await store.readIndex(pipelineName, stage);
  if (!index) throw new Error(`no index record for ${pipelineName}/${stage} in ${cacheDir}`);
  const entry = await store.get(index.key);
  if (!entry) throw new Error(`no verified entry for ${pipelineName}/${stage}`);
  const artifact = await store.load(entry);
  if (!artifact) throw new Error(`entry objects of ${pipelineName}/${stage} failed verification`);
  const definition = definitionOf(entry.kind);
  if (!definition) throw new Error(`no stage definition for kind ${entry.kind}`);
  return (await definition.out.codec.decode(artifact)) as T;
}

/** A stored set's (or subset's) images as the loader delivers them, in one float32 array (small test sets only). */
export async function pixelsOf(
  set: import('../../src/data/image-set.ts').ImageSet | import('../../src/data/image-set.ts').SplitSet,
  table?: import('../../src/data/store/record-table.ts').RecordTable,
): Promise<Float32Array> {
  const { readAllPixels } = await import('../../src/data/loader/read-all.ts');
  return readAllPixels(set, table ?? (set as import('../../src/data/image-set.ts').ImageSet).table);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** PNG's Paeth predictor. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Encodes a PNG by hand, so fixtures have exactly the bit depth and colour type a test needs
 * (sharp cannot be told to write, say, 16-bit grey+alpha from raw samples).
 * `samples` are row-major, interleaved; `channels` 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
 * Options: `filter(y)` the filter type (0-4) of row y (default none), `idatChunks` how many IDAT
 * chunks the image data is cut into, `phys` a pHYs chunk (72 dpi).
 */
export async function encodePng(
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  depth: 8 | 16,
  samples: ArrayLike<number>,
  options: { readonly filter?: (y: number) => number; readonly idatChunks?: number; readonly phys?: boolean } = {},
): Promise<Buffer> {
  const { deflateSync } = await import('node:zlib');
  const colourType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const bytesPer = depth / 8;
  const stride = width * channels * bytesPer;
  const pixelBytes = channels * bytesPer;
  const unfiltered = Buffer.alloc(height * stride);
  for (let i = 0; i < width * height * channels; i++) {
    if (depth === 16) unfiltered.writeUInt16BE(samples[i]!, i * 2);
    else unfiltered[i] = samples[i]!;
  }
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const type = options.filter?.(y) ?? 0;
    raw[y * (stride + 1)] = type;
    for (let x = 0; x < stride; x++) {
      const v = unfiltered[y * stride + x]!;
      const a = x >= pixelBytes ? unfiltered[y * stride + x - pixelBytes]! : 0;
      const b = y > 0 ? unfiltered[(y - 1) * stride + x]! : 0;
      const c = x >= pixelBytes && y > 0 ? unfiltered[(y - 1) * stride + x - pixelBytes]! : 0;
      const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type]!;
      raw[y * (stride + 1) + 1 + x] = (v - predicted) & 0xff;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  const stream = deflateSync(raw);
  const parts = options.idatChunks ?? 1;
  const cut = Math.ceil(stream.length / parts);
  const phys = Buffer.from([0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1]); // 2835 pixels a metre, both axes
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(options.phys ? [chunk('pHYs', phys)] : []),
    ...Array.from({ length: parts }, (_, k) => chunk('IDAT', stream.subarray(k * cut, (k + 1) * cut))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/medpipe.js ...args` as a child process and waits for it. */
export async function medpipeCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'medpipe.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/**
 * A temp folder set up like a user's project after `npm install medpipe`: an ES module package
 * whose node_modules/medpipe is this checkout (a symlink), so `import ... from 'medpipe'` resolves.
 */
export async function userProject(prefix: string): Promise<string> {
  const { symlink } = await import('node:fs/promises');
  const dir = await tempDir(prefix);
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'user-project', private: true, type: 'module', dependencies: { medpipe: '*' } }, null, 2),
  );
  await mkdir(path.join(dir, 'node_modules'));
  await symlink(ROOT, path.join(dir, 'node_modules', 'medpipe'), 'dir');
  return dir;
}
