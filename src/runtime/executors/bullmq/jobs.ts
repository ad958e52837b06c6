/** What travels through the queue: a unit's job data, its progress messages and its result. */
import type { WorkEvent } from '../../../base/work.ts';
import type { KeyInputs } from '../../cache-key.ts';

/** The queue workers listen on, unless `--queue` / MEDPIPE_QUEUE names another. */
export const DEFAULT_QUEUE = 'medpipe-units';

/** Tries per job: a worker that dies mid-unit costs one. */
export const ATTEMPTS = 3;

export type BlobRefs = Readonly<Record<string, { readonly hash: string; readonly size: number }>>;

/** A unit as a job: its identity, its input (JSON here, blobs in Redis by hash), what to call it. */
export interface UnitJobData {
  readonly kind: string;
  readonly key: string;
  /** The key's inputs, so a worker can store the result under the same key (and explain misses). */
  readonly inputs: KeyInputs;
  readonly meta: unknown;
  readonly blobs: BlobRefs;
  /** Objects the input points at (a data set's shards): in Redis by hash unless the worker's cache has them. */
  readonly refs?: readonly { readonly hash: string; readonly size: number }[];
  readonly label: string;
  readonly pipeline: string;
  readonly stage: string;
}

/** The result: JSON here, blobs (and the objects it points at, e.g. shards) in Redis by hash. */
export interface UnitJobResult {
  readonly meta: unknown;
  readonly blobs: BlobRefs;
  /** Objects the result points at (an ingest unit's shards), in Redis by hash. */
  readonly refs?: readonly { readonly hash: string; readonly size: number }[];
  readonly worker: string;
  readonly ms: number;
  /** Set when the worker served the unit from a cache instead of computing it. */
  readonly cached?: 'local' | 'remote';
}

/** What a worker reports while it works (job progress): which worker, and a start or a work event. */
export interface UnitProgress {
  readonly worker: string;
  readonly event: WorkEvent | { readonly type: 'start' };
}

/** Redis connection settings that survive a Redis restart: unlimited retries, backing off to 2 s. */
export function connectionOptions(url: string) {
  return { url, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
}
