/**
 * What long-running library calls (decoding a folder, training, cross-validation) report while they
 * work. The runtime stamps each with the stage and the time and puts it on the run's event stream.
 * Numbering is said here once: `epoch` and `batch` count from 1 (epoch 1 of 10 is the first), and an
 * `epoch` event comes after that epoch has finished.
 */
export type WorkEvent =
  | { readonly type: 'stage-progress'; readonly done: number; readonly total: number; readonly unit: string; readonly note?: string }
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly message: string }
  | {
      readonly type: 'epoch';
      /** 1-based: the epoch that just finished. */
      readonly epoch: number;
      readonly epochs: number;
      readonly logs: Readonly<Record<string, number>>;
      /** The early-stopping monitor's best value so far and its 1-based epoch. */
      readonly best?: { readonly monitor: string; readonly value: number; readonly epoch: number };
      readonly patienceLeft?: number;
    }
  | {
      readonly type: 'batch';
      /** 1-based epoch in progress. */
      readonly epoch: number;
      /** 1-based: the batch that just finished. */
      readonly batch: number;
      readonly batches: number;
      readonly loss: number;
    }
  | UnitEvent;

/**
 * Where one unit of work (a tune trial, a cross-validation fold; see units.ts) stands: queued for a
 * worker, running (with its epoch and last metrics when a worker reports them), served from a cache,
 * retried after its worker was lost, done or failed. `worker` names the process that has it.
 */
export interface UnitEvent {
  readonly type: 'unit';
  /** What a person reads, e.g. 'grid point 3/8: learningRate 0.001'. */
  readonly unit: string;
  /** The unit's content hash (its cache key and job id). */
  readonly key: string;
  readonly state: 'queued' | 'running' | 'cached' | 'retrying' | 'done' | 'failed';
  /** For 'cached': which cache had it (a worker's counts as 'worker'). */
  readonly source?: 'local' | 'remote' | 'worker';
  readonly worker?: string;
  /** 1-based: the epoch that just finished, of `epochs`. */
  readonly epoch?: number;
  readonly epochs?: number;
  readonly logs?: Readonly<Record<string, number>>;
  readonly ms?: number;
  readonly message?: string;
}

/** Cancellation and reporting for a long library call. */
export interface Work {
  readonly signal?: AbortSignal;
  readonly emit: (event: WorkEvent) => void;
}

/** For callers that do not listen. */
export const quietWork: Work = { emit: () => undefined };
