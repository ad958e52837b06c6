/**
 * The Ink dashboard's entry: the only module that loads React and Ink. The CLI imports it lazily
 * (`await import('./dashboard/index.ts')`) and only when stdout is a TTY, so headless use stays light.
 */
import { createElement } from 'react';
import { render } from 'ink';
import type { Observable } from 'rxjs';
import type { RunEvent } from '../runtime/events.ts';
import type { WatchEvent } from '../runtime/watch-events.ts';
import { toErrorInfo } from '../base/errors.ts';
import { createRunStore } from './store.ts';
import { Dashboard } from './components/Dashboard.tsx';

export interface DashboardOptions {
  /**
   * Called when the user presses `q` (or Ctrl+C). Cancel the run here; the dashboard unmounts when
   * the event stream completes, so the final state (stages cancelled, cache hits) stays on screen.
   */
  readonly onQuit: () => void;
  /** Redraws per second at most; every event is still reduced. @default 15 */
  readonly maxFps?: number;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WriteStream;
  /** @default process.stdin */
  readonly stdin?: NodeJS.ReadStream;
}

export interface DashboardHandle {
  /** Resolves once the event stream has ended (or `unmount` was called) and the last frame is drawn. */
  waitUntilExit(): Promise<void>;
  /** Stops drawing and stops reading events now. */
  unmount(): void;
}

/**
 * Draws `events` live until the stream completes.
 *
 * @example
 * const ac = new AbortController();
 * const ui = renderDashboard(runPipeline(p, { cacheDir, signal: ac.signal }), { onQuit: () => ac.abort() });
 * await ui.waitUntilExit();
 */
export function renderDashboard(events: Observable<RunEvent | WatchEvent>, options: DashboardOptions): DashboardHandle {
  const maxFps = options.maxFps ?? 15;
  const store = createRunStore({ maxFps });
  const instance = render(createElement(Dashboard, { store, onQuit: options.onQuit }), {
    // Spread only what was given: Ink's defaults (process.stdout/stdin) lose to an explicit undefined.
    ...(options.stdout && { stdout: options.stdout }),
    ...(options.stdin && { stdin: options.stdin }),
    maxFps,
    // Ctrl+C goes to onQuit like `q`, so the run is cancelled cleanly instead of the view vanishing.
    exitOnCtrlC: false,
  });

  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    store.flush();
    // Let React commit the final state before Ink draws its last frame and lets go of the terminal.
    setTimeout(() => instance.unmount(), 0);
  };
  const subscription = events.subscribe({
    next: (event) => store.dispatch(event),
    error: (error: unknown) => {
      const info = toErrorInfo(error);
      const state = store.getState();
      store.dispatch({ type: 'run-done', at: state.now ?? 0, ok: false, ms: state.ms ?? 0, cacheHits: state.cacheHits, error: info });
      finish();
    },
    complete: finish,
  });

  const exited = instance.waitUntilExit().finally(() => subscription.unsubscribe());
  return {
    waitUntilExit: () => exited.then(() => undefined),
    unmount: () => {
      subscription.unsubscribe();
      finished = true;
      instance.unmount();
    },
  };
}

export { DashboardView } from './components/DashboardView.tsx';
export { createRunStore, type RunStore } from './store.ts';
export { initialRunState, reduceRunEvent, type RunState } from './reducer.ts';
