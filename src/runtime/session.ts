import { resolve } from 'node:path';
import type { Pipeline } from '../pipeline.ts';
import { initBackend, predictBackend, forcedBackendProblem, tfjsVersion } from '../backend/select.ts';
import { inlineUnits, type UnitRunner } from '../base/units.ts';
import type { WorkEvent } from '../base/work.ts';
import { openRemote, remoteOptionsFromEnv, type RemoteOptions } from '../remote/open-remote.ts';
import type { AnyPort, DataOf } from '../stages/core/port.ts';
import type { PreviousOutput, StageContext } from '../stages/core/context.ts';
import type { AnyDefinition } from '../stages/core/define-stage.ts';
import { CacheStore, outputHashOf, type CacheEntry } from './cache-store.ts';
import type { Executor } from './executors/executor.ts';
import { lazyBullmq } from './executors/lazy-bullmq.ts';
import { localExecutor } from './executors/local.ts';
import type { RunEvent } from './events.ts';
import { filesLookup } from './listing-object.ts';
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
  /**
   * A shared cache (s3://bucket/prefix or file:///dir): local misses are looked up there, and in
   * readwrite mode what this run computes is uploaded. @default $MEDPIPE_REMOTE*, else none
   */
  readonly remote?: RemoteOptions;
  /**
   * A Redis URL: tune trials and crossValidate folds become BullMQ jobs that `medpipe worker`s
   * run. @default none: they run in this process
   */
  readonly redis?: string;
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
  readonly previousOutput: (speculative?: boolean) => Promise<PreviousOutput | undefined>;
}

const NO_LINKS: StageLinks = { ancestor: async () => undefined as never, upstreamHash: undefined, previousOutput: async () => undefined };

/** How the cache names an entry in remote-cache messages. */
function describeEntry(entry: CacheEntry): string {
  return `'${entry.stage}' (${entry.kind}${entry.summary && entry.parent ? `, ${entry.summary}` : ''}, key ${entry.key.slice(0, 10)})`;
}

/** The cache of a run: local, with the remote cache the options (or the environment) name. */
export function openCache(cacheDir: string, remote: RemoteOptions | undefined): CacheStore {
  const options = remote ?? remoteOptionsFromEnv();
  const check = (entry: CacheEntry) => entry.format === 1 && entry.outputHash === outputHashOf(entry.meta, entry.blobs, entry.refs);
  return new CacheStore(cacheDir, options ? openRemote<CacheEntry>(options, { check, describe: describeEntry }) : undefined);
}

/** What one run (or one status check) shares: the cache, the stat cache, seed, backend and base folder. */
export class Session {
  readonly store: CacheStore;
  readonly hasher: StatCache;
  readonly seed: number;
  readonly baseDir: string;
  readonly backendName: string;
  readonly executor: Executor;
  private backendAnnounced = false;
  constructor(
    readonly pipeline: Pipeline<unknown>,
    readonly options: RunOptions,
  ) {
    const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
    this.store = openCache(cacheDir, options.remote);
    this.hasher = new StatCache(cacheDir);
    this.seed = options.seed ?? pipeline.options.seed ?? 42;
    this.baseDir = resolve(options.baseDir ?? process.cwd());
    const forced = this.forcedBackend;
    this.backendName = forcedBackendProblem(forced)?.startsWith('unknown') ? String(forced) : predictBackend(forced);
    this.executor = options.redis ? lazyBullmq(options.redis) : localExecutor;
  }

  /** The runner of one stage's units (parent: the stage's key, once known). */
  units(stage: string, parent: string | undefined): UnitRunner {
    if (parent === undefined) return inlineUnits;
    const tfEnv = async () => ({ tfjs: tfjsVersion(), backend: (await initBackend(this.forcedBackend)).name });
    return this.executor.runner({ store: this.store, pipeline: this.pipeline.name, stage, parent, tfEnv });
  }

  /** Releases the executor's connections. */
  async close(): Promise<void> {
    await this.executor.close();
  }

  get forcedBackend(): string | undefined {
    return this.options.backend ?? process.env.MEDPIPE_BACKEND;
  }

  context(
    stage: string,
    signal: AbortSignal,
    emit: (e: RunEvent) => void,
    links: StageLinks = NO_LINKS,
    purpose: 'run' | 'status' = 'run',
    parent?: string,
  ): StageContext {
    return {
      ...links,
      units: this.units(stage, parent),
      stage,
      purpose,
      keyFirst: this.store.remote !== undefined || this.options.redis !== undefined,
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

  /**
   * A stage's output of its last run in this cache (any key), decoded, with the input files' hashes
   * its key covered; undefined when there is none, it fails verification or is in an older format.
   * `speculative`: what fails verification is left for the run's own lookups to remove (see CacheStore's `repair`).
   */
  async previousOutput(stage: string, definition: AnyDefinition, speculative = false): Promise<PreviousOutput | undefined> {
    const index = await this.store.readIndex(this.pipeline.name, stage);
    const entry = index && (await this.store.get(index.key, !speculative));
    const artifact = entry && (await this.store.load(entry, !speculative));
    if (!artifact) return undefined;
    try {
      const output = definition.out.codec.decode(artifact);
      return { output, files: () => filesLookup(this.store, entry.inputs) };
    } catch (error) {
      if ((error as { code?: string }).code === 'CACHE_CORRUPT') return undefined;
      throw error;
    }
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
