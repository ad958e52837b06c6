import { resolve } from 'node:path';
import type { Pipeline, StageNode } from '../pipeline.ts';
import { initBackend, predictBackend, forcedBackendProblem, tfjsVersion } from '../backend/select.ts';
import { CacheStore, type CacheEntry } from './cache-store.ts';
import { canonicalConfig, stageKey, type KeyInputs } from './cache-key.ts';
import type { RunEvent } from './events.ts';
import { FileHasher } from './file-hash.ts';
import type { Fingerprint, StageContext, StageImpl } from './stage-impl.ts';

export interface RunOptions {
  /** @default 'cache' (or $MEDPIPE_CACHE) */
  readonly cacheDir?: string;
  /** Overrides the pipeline's seed. */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** @default the pipeline's outDir, else 'out/<name>' */
  readonly outDir?: string;
  /** Force a backend (tensorflow-gpu, cuda, tensorflow, native, cpu). */
  readonly backend?: string;
  /** Folder that relative paths in the pipeline resolve against. @default process.cwd() */
  readonly baseDir?: string;
  /** Run history database, false for none. @default $MEDPIPE_HISTORY, else runs/history.db beside the cache folder */
  readonly history?: string | false;
}

export function defaultCacheDir(): string {
  return process.env.MEDPIPE_CACHE ?? 'cache';
}

/** A planned stage: its key inputs, key, and whether a verified entry exists. */
export interface Planned {
  readonly node: StageNode<never, unknown, string, unknown>;
  readonly impl: StageImpl;
  readonly inputs: KeyInputs;
  readonly key: string;
  readonly entry: CacheEntry | undefined;
  readonly fingerprint: Fingerprint | undefined;
}

/** What one run (or one status check) shares: the cache, the stat cache, seed, backend and base folder. */
export class Session {
  readonly store: CacheStore;
  readonly hasher: FileHasher;
  readonly seed: number;
  readonly baseDir: string;
  readonly backendName: string;
  private backendAnnounced = false;
  constructor(
    readonly pipeline: Pipeline<unknown>,
    readonly options: RunOptions,
  ) {
    const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
    this.store = new CacheStore(cacheDir);
    this.hasher = new FileHasher(cacheDir);
    this.seed = options.seed ?? pipeline.options.seed ?? 42;
    this.baseDir = resolve(options.baseDir ?? process.cwd());
    const forced = options.backend ?? process.env.MEDPIPE_BACKEND;
    this.backendName = forcedBackendProblem(forced)?.startsWith('unknown') ? String(forced) : predictBackend(forced);
  }

  context(
    stage: string,
    signal: AbortSignal,
    emit: (e: RunEvent) => void,
    links: { ancestor: (port: string) => Promise<unknown>; upstreamHash: string | undefined } = {
      ancestor: async () => undefined,
      upstreamHash: undefined,
    },
  ): StageContext {
    return {
      ...links,
      stage,
      pipeline: this.pipeline.name,
      seed: this.seed,
      signal,
      baseDir: this.baseDir,
      store: this.store,
      hasher: this.hasher,
      emit: (event) => emit({ ...event, stage, at: Date.now() } as RunEvent),
      backend: async () => {
        const choice = await initBackend(this.options.backend ?? process.env.MEDPIPE_BACKEND);
        if (!this.backendAnnounced) {
          // One line per run: which backend, and why a faster one is missing and how to get it.
          this.backendAnnounced = true;
          emit({ type: 'log', at: Date.now(), stage, level: 'info', message: choice.line });
        }
        return choice.name;
      },
    };
  }

  env(impl: StageImpl): Record<string, string> {
    const env: Record<string, string> = {};
    if (impl.seeded) env.seed = String(this.seed);
    if (impl.usesTf) {
      env.tfjs = tfjsVersion();
      env.backend = this.backendName;
    }
    return env;
  }

  /** Computes the key of each stage in order, as far as the cache allows without running anything. */
  async plan(
    impls: readonly StageImpl[],
    ctxFor: (stage: string) => StageContext,
    upstreamHash: (index: number) => string | undefined,
    index: number,
  ): Promise<Planned> {
    const node = this.pipeline.stages[index]!;
    const impl = impls[index]!;
    const ctx = ctxFor(node.id);
    const fingerprint = impl.fingerprint ? await impl.fingerprint(node.config, ctx) : undefined;
    const previous = index > 0 ? this.pipeline.stages[index - 1]! : undefined;
    const upHash = index > 0 ? upstreamHash(index - 1) : undefined;
    const inputs: KeyInputs = {
      kind: impl.kind,
      version: impl.version,
      config: canonicalConfig(node.config),
      upstream: previous ? { stage: previous.id, outputHash: upHash ?? 'pending' } : null,
      ...(fingerprint ? { files: fingerprint.files } : {}),
      env: this.env(impl),
    };
    const key = stageKey(inputs);
    const entry = upHash === undefined && index > 0 ? undefined : await this.store.get(key);
    return { node, impl, inputs, key, entry, fingerprint };
  }
}
