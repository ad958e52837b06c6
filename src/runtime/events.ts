/**
 * The typed events of one run. The runtime emits them on one RxJS stream; the plain-line
 * logger and the Ink dashboard are both pure readers of it.
 */

/** Why a stage is not served from cache (shown by `medpipe status` and the dashboard). */
export type MissReason =
  | { readonly kind: 'new'; readonly detail: string }
  | { readonly kind: 'config'; readonly fields: readonly string[] }
  | { readonly kind: 'files'; readonly added: number; readonly removed: number; readonly changed: number; readonly examples: readonly string[] }
  | { readonly kind: 'upstream'; readonly stage: string }
  | { readonly kind: 'env'; readonly parts: readonly string[] }
  | { readonly kind: 'code'; readonly detail: string }
  | { readonly kind: 'corrupt'; readonly detail: string };

export interface StageInfo {
  readonly id: string;
  readonly kind: string;
}

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly fix?: string;
  readonly file?: string;
}

export type RunEvent =
  | {
      readonly type: 'run-start';
      readonly at: number;
      readonly runId: string;
      readonly pipeline: string;
      readonly stages: readonly StageInfo[];
      readonly backend?: string;
      readonly cacheDir: string;
    }
  | { readonly type: 'stage-start'; readonly at: number; readonly stage: string; readonly key: string; readonly reasons: readonly MissReason[] }
  | { readonly type: 'stage-cached'; readonly at: number; readonly stage: string; readonly key: string }
  | {
      readonly type: 'stage-progress';
      readonly at: number;
      readonly stage: string;
      readonly done: number;
      readonly total: number;
      readonly unit: string;
      readonly note?: string;
    }
  | {
      readonly type: 'stage-done';
      readonly at: number;
      readonly stage: string;
      readonly key: string;
      readonly ms: number;
      readonly summary?: string;
      readonly unchangedOutput?: boolean;
    }
  | { readonly type: 'stage-failed'; readonly at: number; readonly stage: string; readonly error: ErrorInfo }
  | {
      readonly type: 'epoch';
      readonly at: number;
      readonly stage: string;
      readonly epoch: number;
      readonly epochs: number;
      readonly logs: Readonly<Record<string, number>>;
      readonly best?: { readonly monitor: string; readonly value: number; readonly epoch: number };
      readonly patienceLeft?: number;
    }
  | {
      readonly type: 'batch';
      readonly at: number;
      readonly stage: string;
      readonly epoch: number;
      readonly batch: number;
      readonly batches: number;
      readonly loss: number;
    }
  | { readonly type: 'log'; readonly at: number; readonly stage?: string; readonly level: 'info' | 'warn'; readonly message: string }
  | {
      readonly type: 'run-done';
      readonly at: number;
      readonly ok: boolean;
      readonly ms: number;
      readonly cacheHits: number;
      readonly outputDir?: string;
      readonly error?: ErrorInfo;
    };

export type RunEventType = RunEvent['type'];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
