import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import { stageKey, type KeyInputs } from './cache-key.ts';
import type { CacheStore } from './cache-store.ts';

const EXPORT_MARKER = '.medpipe-exports.json';

type ExportMarker = Record<string, { outputHash: string; files: string[] }>;

export interface Exportable {
  readonly id: string;
  readonly outputHash: string;
  readonly output: () => Promise<unknown>;
  readonly export?: (output: any, outDir: string) => Promise<string[]>;
  /** What the exported files depend on; with a cache, they are stored (and restored) under its key. */
  readonly exportInputs?: KeyInputs;
  /** The stage's own cache key (the export entry names it, so `clean` keeps them together). */
  readonly key?: string;
}

/** Where exported files are cached: a run's cache (local, and the remote one when there is one). */
export interface ExportCache {
  readonly store: CacheStore;
  readonly pipeline: string;
}

/** Writes the files of a cached export into `outDir`; undefined when there is none. */
async function restore(cache: ExportCache, key: string, outDir: string): Promise<string[] | undefined> {
  const hit = await cache.store.lookup(key);
  const artifact = hit && (await cache.store.load(hit.entry));
  if (!artifact) return undefined;
  const files: string[] = [];
  for (const name of (artifact.meta as { files: string[] }).files) {
    const bytes = artifact.blobs[name];
    if (!bytes) return undefined;
    await writeFileAtomic(join(outDir, name), bytes);
    files.push(join(outDir, name));
  }
  return files;
}

/** Stores the files an export wrote (only when all of them are inside `outDir`). */
async function store(cache: ExportCache, key: string, stage: Exportable, outDir: string, files: readonly string[], ms: number): Promise<void> {
  const names = files.map((file) => relative(outDir, file));
  if (names.length === 0 || names.some((name) => name.startsWith('..') || isAbsolute(name))) return;
  // Each file streams into the store: at 10^5 images the exported curves and predictions are tens of MB.
  await cache.store.putFiles(
    {
      key,
      stage: stage.id,
      kind: stage.exportInputs!.kind,
      pipeline: cache.pipeline,
      inputs: stage.exportInputs!,
      summary: `${names.length} files`,
      ms,
      parent: stage.key,
    },
    { files: names },
    Object.fromEntries(names.map((name) => [name, join(outDir, name)])),
  );
}

async function readExportMarker(outDir: string): Promise<ExportMarker> {
  try {
    return JSON.parse(await readFile(join(outDir, EXPORT_MARKER), 'utf8')) as ExportMarker;
  } catch {
    return {};
  }
}

/**
 * Writes the user-facing files (reports, the model) of every stage that has some; a stage whose
 * output is what the folder already holds (same output hash, files present) is not rewritten.
 * With a cache, the files are cached like a stage's output (keyed by the stage's output hash, kind,
 * version, config and environment): a clean checkout restores them without recomputing them
 * (plots, Grad-CAM), byte for byte. Returns every file the folder now holds for this run.
 */
export async function exportOutputs(
  outDir: string,
  stages: readonly Exportable[],
  onStage: (id: string) => void = () => undefined,
  cache?: ExportCache,
): Promise<string[]> {
  const [, marker] = await Promise.all([mkdir(outDir, { recursive: true }), readExportMarker(outDir)]);
  const exported: string[] = [];
  for (const stage of stages) {
    if (!stage.export) continue;
    onStage(stage.id);
    const previous = marker[stage.id];
    if (previous && previous.outputHash === stage.outputHash && previous.files.every((f) => existsSync(f))) {
      exported.push(...previous.files);
      continue;
    }
    const key = cache && stage.exportInputs ? stageKey(stage.exportInputs) : undefined;
    let files = key ? await restore(cache!, key, outDir) : undefined;
    if (!files) {
      const t0 = Date.now();
      files = await stage.export(await stage.output(), outDir);
      if (key) await store(cache!, key, stage, outDir, files, Date.now() - t0);
    }
    marker[stage.id] = { outputHash: stage.outputHash, files };
    // Not fsynced: a marker a power cut loses or tears reads as none, and the files are restored again.
    await writeFileAtomic(join(outDir, EXPORT_MARKER), JSON.stringify(marker, null, 2), { fsync: false });
    exported.push(...files);
  }
  return exported;
}
