import { resolve } from 'node:path';
import type { Pipeline } from '../pipeline.ts';
import { initBackend, predictBackend, forcedBackendProblem, tfjsVersion } from '../backend/select.ts';
import type { WorkEvent } from '../base/work.ts';
import type { AnyPort, DataOf } from '../stages/core/port.ts';
import type { StageContext } from '../stages/core/context.ts';
import type { AnyDefinition } from '../stages/core/define-stage.ts';
import { CacheStore } from './cache-store.ts';
import type { RunEvent } from './events.ts';
import { StatCache } from './stat-cache.ts';

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

/** How a stage reaches the outputs before it: its upstream's hash and its nearest ancestor of a port. */
export interface StageLinks {
  readonly ancestor: <P extends AnyPort>(port: P) => Promise<DataOf<P>>;
  readonly upstreamHash: string | undefined;
  readonly previousOutput: () => Promise<unknown>;
}

const NO_LINKS: StageLinks = { ancestor: async () => undefined as never, upstreamHash: undefined, previousOutput: async () => undefined };

/** What one run (or one status check) shares: the cache, the stat cache, seed, backend and base folder. */
export class Session {
  readonly store: CacheStore;
  readonly hasher: StatCache;
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
    this.hasher = new StatCache(cacheDir);
    this.seed = options.seed ?? pipeline.options.seed ?? 42;
    this.baseDir = resolve(options.baseDir ?? process.cwd());
    const forced = this.forcedBackend;
    this.backendName = forcedBackendProblem(forced)?.startsWith('unknown') ? String(forced) : predictBackend(forced);
  }

  get forcedBackend(): string | undefined {
    return this.options.backend ?? process.env.MEDPIPE_BACKEND;
  }

  context(stage: string, signal: AbortSignal, emit: (e: RunEvent) => void, links: StageLinks = NO_LINKS, purpose: 'run' | 'status' = 'run'): StageContext {
    return {
      ...links,
      stage,
      purpose,
      pipeline: this.pipeline.name,
      seed: this.seed,
      signal,
      baseDir: this.baseDir,
      records: this.store,
      objectsDir: this.store.objectsDir,
      fileIndex: this.hasher,
      hash: (path) => this.hasher.hash(path),
      emit: (event: WorkEvent) => emit({ ...event, stage, at: Date.now() } as RunEvent),
      backend: async () => {
        const choice = await initBackend(this.forcedBackend);
        if (!this.backendAnnounced) {
          // One line per run: which backend, and why a faster one is missing and how to get it.
          this.backendAnnounced = true;
          emit({ type: 'log', at: Date.now(), stage, level: 'info', message: choice.line });
        }
        return choice.name;
      },
    };
  }

  /** A stage's output of its last run in this cache (any key), decoded; undefined when there is none or it fails verification. */
  async previousOutput(stage: string, definition: AnyDefinition): Promise<unknown> {
    const index = await this.store.readIndex(this.pipeline.name, stage);
    const entry = index && (await this.store.get(index.key));
    const artifact = entry && (await this.store.load(entry));
    return artifact ? definition.out.codec.decode(artifact) : undefined;
  }

  /** The environment parts of a stage's key: its own (keyEnv), seed for seeded stages, tfjs version and backend for tf stages. */
  env(definition: AnyDefinition): Record<string, string> {
    const env: Record<string, string> = { ...definition.keyEnv?.() };
    if (definition.seeded) env.seed = String(this.seed);
    if (definition.usesTf) {
      env.tfjs = tfjsVersion();
      env.backend = this.backendName;
    }
    return env;
  }
}
