import type { UnitRunner } from '../../base/units.ts';
import type { Work, WorkEvent } from '../../base/work.ts';
import type { FileIndex, RecordStore } from '../../data/store/ingest-env.ts';
import type { AnyPort, DataOf } from './port.ts';

/** What a stage implementation gets from the runtime while it runs. */
/** A stage's last output and, read on demand, the input files' hashes its key covered (a lookup: path → sha256). */
export interface PreviousOutput {
  readonly output: unknown;
  readonly files: () => Promise<((path: string) => string | undefined) | undefined>;
}

export interface StageContext extends Work {
  /** The stage's id in the pipeline (e.g. 'normalize-2'). */
  readonly stage: string;
  readonly pipeline: string;
  readonly seed: number;
  readonly signal: AbortSignal;
  /** Relative paths in configs resolve against this (the pipeline file's folder). */
  readonly baseDir: string;
  /** Why the stage is being planned: to run it, or only to report its status (then it must not do the work). */
  readonly purpose: 'run' | 'status';
  /**
   * The key must be known before the work: a remote cache may serve the stage, or workers take its
   * units. A stage that would otherwise learn its key while doing the work (ingest reads and decodes
   * each file once) then only hashes its inputs.
   */
  readonly keyFirst: boolean;
  /** Keyed records that outlive a run (ingest's finished jobs). */
  readonly records: RecordStore;
  /** The cache's content-addressed objects folder (dataset shards are written there). */
  readonly objectsDir: string;
  /** Content hash of an input file (sha256), from a stat cache when the file is unchanged. */
  readonly hash: (absPath: string) => Promise<string>;
  /** The stat cache itself, for stages that stat many files and hash them while reading them anyway. */
  readonly fileIndex: FileIndex;
  /**
   * This stage's output of its last run in this cache (whatever its key), for incremental work;
   * undefined when none. `speculative`: read before it is known to be needed (nothing that fails
   * verification is removed then: the run's own lookups do that, in their order).
   */
  readonly previousOutput: (speculative?: boolean) => Promise<PreviousOutput | undefined>;
  /** Reports progress, logs, epochs and batches; the runtime adds the stage and the time. */
  readonly emit: (event: WorkEvent) => void;
  /** Makes sure a TensorFlow.js backend is ready and returns its name. */
  readonly backend: () => Promise<string>;
  /**
   * The output of the nearest earlier stage whose output port is `port`, loaded on demand: fit and
   * evaluate read the splits without every model stage storing a copy of them.
   * @example
   *   const data = await ctx.ancestor(ports.splits); // SplitSet
   */
  readonly ancestor: <P extends AnyPort>(port: P) => Promise<DataOf<P>>;
  /** Output hash of the stage before this one (goes into outputs that refer to upstream data). */
  readonly upstreamHash: string | undefined;
  /**
   * Runs the stage's independent units of work (tune trials, folds, ingest shards: src/base/units.ts)
   * on the run's executor — here, or as jobs for workers — each cached on its own.
   */
  readonly units: UnitRunner;
}

/** The input files of a stage, found before its key is computed. */
export interface Fingerprint<Data = unknown> {
  /** Relative path → content hash; part of the key. */
  readonly files: Readonly<Record<string, string>>;
  /**
   * Instead of `files`, for a large listing that the stage knows unchanged since an earlier run:
   * the cache object holding that run's `files` (present: the stage checked) and their count, as
   * the key records a large listing anyway. Saves building and hashing 10^5 entries on a rerun.
   */
  readonly listing?: { readonly hash: string; readonly count: number };
  /**
   * Instead of `files`: the same entries as columns (paths in code-unit order, each once, and their
   * hashes). A listing of 10^5 files then becomes its key object without an object of 10^5 keys.
   */
  readonly columns?: { readonly keys: readonly string[]; readonly values: readonly string[] };
  /**
   * Writes the fingerprint started that must be done before the stage's cache entry is (an ingest's
   * shards, when it ingested while fingerprinting): the entry waits for it.
   */
  readonly pending?: Promise<void>;
  /**
   * What the fingerprint still records after `pending` (an ingest's job records and stat cache
   * rows): not named by the entry, so written beside it; the stage ends after it (and fails with it).
   */
  readonly recorded?: Promise<void>;
  /** Told the object and count a large `files` was stored as (to offer it as `listing` next time). */
  readonly onListing?: (listing: { readonly hash: string; readonly count: number }, keys: readonly string[]) => void;
  /** Anything the stage wants to reuse in `run` (e.g. the resolved file list). */
  readonly data?: Data;
  /** Key parts the stage reads from its inputs (how it reads labels); joined to the key's environment, named by `status`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What checks before a run may look at (no cache, no data loaded). */
export interface CheckContext {
  readonly baseDir: string;
}
