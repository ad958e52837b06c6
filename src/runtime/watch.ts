/**
 * Watch mode: rerun a pipeline whenever its file or its inputs change. Generic over how a run is
 * made, so the debounce / cancel / restart logic is tested in virtual time without a runtime.
 */
import { Observable, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { toErrorInfo } from '../base/errors.ts';
import type { RunEvent } from './events.ts';
import type { ChangeEvent, WatchEvent } from './watch-events.ts';

export type { ChangeEvent, WatchEvent } from './watch-events.ts';
export { watchFiles, type WatchFilesOptions } from './watch-files.ts';

export interface WatchOptions {
  /**
   * Quiet time after the last change before a run starts; editors and `cp` of many files fire
   * bursts of events, and one run per burst is what a person expects.
   * @default 300
   */
  readonly debounceMs?: number;
  /** Clock for the debounce; tests pass a TestScheduler. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /**
   * Start one run immediately on subscribe (with no changes), before any change arrives.
   * @default true
   */
  readonly initialRun?: boolean;
  /**
   * Graceful stop: when it fires, the in-flight run is aborted, changes are no longer read, and the
   * stream completes once that run's stream has completed (so nothing is left half-written).
   * Unsubscribing instead is a hard stop that does not wait.
   */
  readonly signal?: AbortSignal;
}

interface InFlight {
  readonly controller: AbortController;
  runId?: string;
  sub?: Subscription;
}

/**
 * Runs `startRun` once, then again after every debounced batch of changes. A run in flight when a
 * change arrives is aborted through its AbortSignal, and the next run starts only after the
 * cancelled run's stream has completed, so two runs never write the cache at the same time.
 * Changes that arrive while a cancelled run settles are merged into the next run's batch.
 *
 * @example
 * const events = watchRuns(watchFiles([file, ...pipelineInputs(p)]),
 *   (signal) => runPipeline(p, { cacheDir, signal }));
 */
export function watchRuns(
  changes: Observable<ChangeEvent>,
  startRun: (signal: AbortSignal, changes: readonly ChangeEvent[]) => Observable<RunEvent>,
  options: WatchOptions = {},
): Observable<RunEvent | WatchEvent> {
  const debounceMs = options.debounceMs ?? 300;
  const scheduler = options.scheduler ?? asyncScheduler;

  return new Observable<RunEvent | WatchEvent>((subscriber) => {
    let current: InFlight | undefined;
    /** Changes waiting for the cancelled run to settle. */
    let pending: ChangeEvent[] | undefined;
    /** Changes inside the current debounce window. */
    let collecting: ChangeEvent[] = [];
    let timer: Subscription | undefined;
    let changesDone = false;
    let stopping = false;

    const finishIfIdle = (): void => {
      if ((changesDone || stopping) && !current && !timer && !pending) {
        subscriber.next({ type: 'watch-stop', at: scheduler.now() });
        subscriber.complete();
      }
    };

    const start = (batch: readonly ChangeEvent[]): void => {
      const entry: InFlight = { controller: new AbortController() };
      current = entry;
      let run$: Observable<RunEvent>;
      try {
        run$ = startRun(entry.controller.signal, batch);
      } catch (error) {
        run$ = new Observable((s) => s.error(error));
      }
      entry.sub = run$.subscribe({
        next: (event) => {
          if (event.type === 'run-start') entry.runId = event.runId;
          subscriber.next(event);
        },
        error: (error: unknown) => {
          // A cancelled run that ends by throwing its abort is a normal end, not an error to show.
          if (!entry.controller.signal.aborted) {
            subscriber.next({ type: 'watch-error', at: scheduler.now(), error: toErrorInfo(error) });
          }
          settle(entry);
        },
        complete: () => settle(entry),
      });
    };

    const settle = (entry: InFlight): void => {
      if (current !== entry) return;
      current = undefined;
      if (pending && !stopping) {
        const batch = pending;
        pending = undefined;
        start(batch);
        return;
      }
      pending = undefined;
      if (!stopping && !changesDone) subscriber.next({ type: 'watch-waiting', at: scheduler.now() });
      finishIfIdle();
    };

    const flush = (): void => {
      timer = undefined;
      const batch = dedupe(collecting);
      collecting = [];
      if (batch.length === 0 || stopping) return finishIfIdle();
      subscriber.next({ type: 'watch-change', at: scheduler.now(), changes: batch });
      const inFlight = current;
      if (inFlight) {
        pending = dedupe([...(pending ?? []), ...batch]);
        if (!inFlight.controller.signal.aborted) {
          // Announce first: a run may settle synchronously inside abort() and the next one start.
          subscriber.next({ type: 'watch-cancel', at: scheduler.now(), runId: inFlight.runId });
          inFlight.controller.abort();
        }
      } else {
        start(batch);
      }
    };

    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      changesSub?.unsubscribe();
      timer?.unsubscribe();
      timer = undefined;
      pending = undefined;
      current?.controller.abort();
      finishIfIdle();
    };

    let changesSub: Subscription | undefined;
    if (options.signal?.aborted) {
      stopping = true;
      subscriber.complete();
      return;
    }
    options.signal?.addEventListener('abort', stop, { once: true });

    subscriber.next({ type: 'watch-start', at: scheduler.now() });
    if (options.initialRun ?? true) start([]);
    if (!stopping) {
      changesSub = changes.subscribe({
        next: (change) => {
          collecting.push(change);
          timer?.unsubscribe();
          timer = scheduler.schedule(flush, debounceMs);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          changesDone = true;
          finishIfIdle();
        },
      });
    }

    return () => {
      options.signal?.removeEventListener('abort', stop);
      changesSub?.unsubscribe();
      timer?.unsubscribe();
      if (current) {
        current.controller.abort();
        current.sub?.unsubscribe();
      }
    };
  });
}

/** One entry per path, in first-seen order, keeping the last kind (add then change is still an add). */
function dedupe(changes: readonly ChangeEvent[]): ChangeEvent[] {
  const byPath = new Map<string, ChangeEvent>();
  for (const change of changes) {
    const before = byPath.get(change.path);
    if (before?.kind === 'add' && change.kind === 'change') continue;
    if (before?.kind === 'add' && change.kind === 'unlink') {
      byPath.delete(change.path); // appeared and vanished inside one window: nothing changed
      continue;
    }
    byPath.set(change.path, change);
  }
  return [...byPath.values()];
}
