/**
 * The events watch mode adds around the runs it starts. They travel on the same stream as the
 * runs' own `RunEvent`s, so the dashboard and the plain logger show them in order.
 */
import type { ErrorInfo } from './events.ts';

/** One file-system change that may make the last run stale. */
export interface ChangeEvent {
  readonly kind: 'add' | 'change' | 'unlink';
  /** The path as the watcher reported it (absolute when the watched paths were). */
  readonly path: string;
}

export type WatchEvent =
  /** Watching began (first event on the stream), so a view can say "watching" from its first frame. */
  | { readonly type: 'watch-start'; readonly at: number }
  /** A debounced batch of changes was seen; a run starts (or the in-flight one is cancelled first). */
  | { readonly type: 'watch-change'; readonly at: number; readonly changes: readonly ChangeEvent[] }
  /** The in-flight run was aborted because of a change; the next run waits until it has settled. */
  | { readonly type: 'watch-cancel'; readonly at: number; readonly runId?: string }
  /** The last run settled and no change is pending: waiting for the next one. */
  | { readonly type: 'watch-waiting'; readonly at: number }
  /** A run could not even start or its stream broke (e.g. the pipeline file does not compile mid-edit). */
  | { readonly type: 'watch-error'; readonly at: number; readonly error: ErrorInfo }
  /** Watching ended (stop signal, or the changes stream ended) and the last run has settled. */
  | { readonly type: 'watch-stop'; readonly at: number };

export type WatchEventType = WatchEvent['type'];

export function isWatchEvent(event: { readonly type: string }): event is WatchEvent {
  return event.type.startsWith('watch-');
}
