/**
 * Holds the dashboard's RunState: every event is reduced the moment it arrives, but listeners (the
 * React view) are told at most `maxFps` times a second. Throttle redraws, never events.
 */
import type { RunEvent } from '../runtime/events.ts';
import type { WatchEvent } from '../runtime/watch-events.ts';
import { initialRunState, reduceRunEvent, type RunState } from './reducer.ts';

export interface RunStore {
  getState(): RunState;
  /** Reduces the event now; notifies listeners on the throttle. */
  dispatch(event: RunEvent | WatchEvent): void;
  /** Notifies listeners now if anything is pending (the last frame must show the final state). */
  flush(): void;
  subscribe(listener: () => void): () => void;
}

export interface RunStoreOptions {
  /** @default 15 */
  readonly maxFps?: number;
  /** @default initialRunState */
  readonly initial?: RunState;
}

/**
 * @example
 * const store = createRunStore({ maxFps: 10 });
 * events.subscribe((e) => store.dispatch(e));
 */
export function createRunStore(options: RunStoreOptions = {}): RunStore {
  const interval = 1000 / Math.max(1, options.maxFps ?? 15);
  const listeners = new Set<() => void>();
  let state = options.initial ?? initialRunState;
  let dirty = false;
  let lastNotified = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const notify = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    lastNotified = Date.now();
    for (const listener of listeners) listener();
  };

  return {
    getState: () => state,
    dispatch(event) {
      state = reduceRunEvent(state, event);
      dirty = true;
      const wait = lastNotified + interval - Date.now();
      if (wait <= 0) notify();
      // Trailing edge: the last event of a burst is always drawn.
      else timer ??= setTimeout(notify, wait);
    },
    flush: notify,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
      };
    },
  };
}
