/**
 * Executors run a stage's units of work (src/base/units.ts): the local one in this process, one
 * after another (the behaviour of a plain run), the BullMQ one as jobs for `medpipe worker`s. Both
 * key each unit by the content hash of its input, serve it from the cache (local, then remote) when
 * they can, store what they compute as its own entry, and report on the stage's event stream.
 */
import type { UnitRunner } from '../../base/units.ts';
import type { CacheStore } from '../cache-store.ts';

/** What a runner for one stage of a run knows. */
export interface UnitScope {
  readonly store: CacheStore;
  readonly pipeline: string;
  readonly stage: string;
  /** The stage's own cache key (unit entries name it, so `clean` keeps them with it). */
  readonly parent?: string;
  /**
   * The key's environment parts for units that use TensorFlow.js: the tfjs version and the backend
   * that really runs (a worker must use the same one).
   */
  readonly tfEnv: () => Promise<Readonly<Record<string, string>>>;
}

export interface Executor {
  /** Where units run, for messages: 'in this process', 'BullMQ queue medpipe at redis://…'. */
  readonly describe: string;
  runner(scope: UnitScope): UnitRunner;
  /** Releases connections (a run calls it once, at the end). */
  close(): Promise<void>;
}
