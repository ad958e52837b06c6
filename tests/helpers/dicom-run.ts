/**
 * Helpers for the DICOM/NIfTI end-to-end tests: run a pipeline and keep its events, read a stage's
 * output back from the cache, run the CLI as a child process, and search files and text for
 * strings that must not be there.
 *
 * medpipe's own modules are loaded with import(), as the CLI loads them: under `uvu -r tsx` static
 * imports go through the CommonJS hook while the runtime's lazy imports go through the ESM loader,
 * and two copies of MedpipeError would break `instanceof` in the runtime.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Pipeline } from '../../src/pipeline.ts';
import type { RunEvent } from '../../src/runtime/events.ts';
import type { Artifact } from '../../src/runtime/cache-store.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ENTRY_URL = pathToFileURL(path.join(REPO, 'src', 'index.ts')).href;

export type Medpipe = typeof import('../../src/index.ts');
export const loadMedpipe = (): Promise<Medpipe> => import('../../src/index.ts');

export type RunDone = Extract<RunEvent, { type: 'run-done' }>;

export interface CollectedRun {
  readonly done: RunDone;
  readonly events: readonly RunEvent[];
}

/** Runs a pipeline in this process and keeps every event. */
export async function runCollect(pipeline: Pipeline<unknown>, options: { cacheDir: string; outDir: string; baseDir?: string }): Promise<CollectedRun> {
  const { runToCompletion } = await loadMedpipe();
  const events: RunEvent[] = [];
  const done = await runToCompletion(pipeline, options, (e) => events.push(e));
  return { done, events };
}

/** The artifact a stage last stored for a pipeline (via the cache's per-pipeline index). */
export async function stageArtifact(cacheDir: string, pipelineName: string, stage: string): Promise<Artifact> {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  const store = new CacheStore(cacheDir);
  const index = await store.readIndex(pipelineName, stage);
  if (!index) throw new Error(`no cache index for ${pipelineName}/${stage} in ${cacheDir}`);
  const entry = await store.get(index.key);
  if (!entry) throw new Error(`cache entry ${index.key} for ${stage} is missing`);
  const artifact = await store.load(entry);
  if (!artifact) throw new Error(`cache entry ${index.key} for ${stage} does not verify`);
  return artifact;
}

export async function imageSetOf(cacheDir: string, pipelineName: string, stage: string) {
  const { decodeImageSet } = await import('../../src/data/image-set.ts');
  return decodeImageSet(await stageArtifact(cacheDir, pipelineName, stage));
}

export async function splitSetOf(cacheDir: string, pipelineName: string, stage = 'split') {
  const { decodeSplitSet } = await import('../../src/data/image-set.ts');
  return decodeSplitSet(await stageArtifact(cacheDir, pipelineName, stage));
}

/** Every regular file under a folder, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * Where any of the needles occurs: in file contents (raw bytes, so binary cache records count too),
 * in file names, and in the given texts. Returns "where: needle" lines; empty when clean.
 */
export async function findNeedles(needles: readonly string[], sources: { dirs?: readonly string[]; texts?: Readonly<Record<string, string>> }): Promise<string[]> {
  const hits: string[] = [];
  const encoded = needles.map((n) => [n, Buffer.from(n, 'utf8')] as const);
  for (const dir of sources.dirs ?? []) {
    for (const file of await filesUnder(dir)) {
      // A temp file renamed into place between the listing and the read: its content is searched
      // under its final name (callers wait for the folder to settle first, see settled()).
      const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (!bytes) continue;
      for (const [needle, pattern] of encoded) {
        if (bytes.includes(pattern) || file.includes(needle)) hits.push(`${file}: ${needle}`);
      }
    }
  }
  for (const [where, text] of Object.entries(sources.texts ?? {})) {
    for (const [needle] of encoded) if (text.includes(needle)) hits.push(`${where}: ${needle}`);
  }
  return hits;
}

/**
 * Waits until a folder's file list and sizes stop changing and no temp files are left. A run that
 * fails in ingest reports run-done while decodes already in flight may still be writing their
 * per-file cache records.
 */
export async function settled(dir: string, quietMs = 300, timeoutMs = 20_000): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const snapshot = async () => {
    const files = await filesUnder(dir).catch(() => [] as string[]);
    const sizes = await Promise.all(files.map((f) => stat(f).then((s) => `${f}:${s.size}`, () => `${f}:gone`)));
    return sizes.sort().join('\n');
  };
  const deadline = Date.now() + timeoutMs;
  let before = await snapshot();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await snapshot();
    if (now === before && !/\/\.tmp-/.test(now)) return;
    before = now;
  }
  throw new Error(`${dir} kept changing for ${timeoutMs} ms`);
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node bin/medpipe.js <args>` with piped output (no TTY, so plain event lines). */
export function runCli(args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'medpipe.js'), ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MEDPIPE_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
