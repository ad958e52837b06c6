/**
 * The typed events of one run. The runtime emits them on one RxJS stream; the plain-line
 * logger and the Ink dashboard are both pure readers of it (src/view words them). Epochs and
 * batches count from 1 (see WorkEvent).
 */
import type { WorkEvent } from '../base/work.ts';

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

export type { ErrorInfo } from '../base/errors.ts';
import type { ErrorInfo } from '../base/errors.ts';

export type RunEvent =
  | {
      readonly type: 'run-start';
      readonly at: number;
      readonly runId: string;
      readonly pipeline: string;
      readonly stages: readonly StageInfo[];
      readonly backend?: string;
      readonly cacheDir: string;
      /** The remote cache and its mode, when there is one. */
      readonly remote?: string;
      /** Where units of work run, when not in this process. */
      readonly executor?: string;
    }
  | { readonly type: 'stage-start'; readonly at: number; readonly stage: string; readonly key: string; readonly reasons: readonly MissReason[] }
  | { readonly type: 'stage-cached'; readonly at: number; readonly stage: string; readonly key: string; readonly source?: 'remote' }
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
  | StageWorkEvent
  | {
      readonly type: 'run-done';
      readonly at: number;
      readonly ok: boolean;
      readonly ms: number;
      readonly cacheHits: number;
      readonly outputDir?: string;
      readonly error?: ErrorInfo;
    };

/** What a stage reports while it works, stamped with the stage and the time. */
export type StageWorkEvent =
  Stamped<Exclude<WorkEvent, { type: 'log' }>, { readonly stage: string }> | Stamped<Extract<WorkEvent, { type: 'log' }>, { readonly stage?: string }>;
type Stamped<E, S> = E extends unknown ? E & { readonly at: number } & S : never;

export type RunEventType = RunEvent['type'];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
