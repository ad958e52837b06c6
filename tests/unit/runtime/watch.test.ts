import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Observable, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RunEvent } from '../../../src/runtime/events.ts';
import { watchRuns, type ChangeEvent, type WatchEvent } from '../../../src/runtime/watch.ts';

interface Ctx {
  scheduler: TestScheduler;
  /** Every run started: its signal, the changes it was given, and when it started/ended. */
  runs: { signal: AbortSignal; changes: readonly ChangeEvent[]; startedAt: number; endedAt?: number }[];
  active: number;
  maxActive: number;
}

const Watch = suite<Ctx>('watchRuns (virtual time)');

Watch.before.each((ctx) => {
  ctx.scheduler = new TestScheduler((actual, expected) => assert.equal(actual, expected));
  ctx.runs = [];
  ctx.active = 0;
  ctx.maxActive = 0;
});

/**
 * A stand-in for runPipeline: run-start at once, run-done after `duration` frames; when aborted it
 * takes `settle` frames to finish (like fit stopping at the next batch) and reports ok: false.
 */
function fakeRun(ctx: Ctx, duration: number, settle: number) {
  return (signal: AbortSignal, changes: readonly ChangeEvent[]): Observable<RunEvent> =>
    new Observable<RunEvent>((sub) => {
      const s = ctx.scheduler;
      const n = ctx.runs.length + 1;
      const record = { signal, changes, startedAt: s.now(), endedAt: undefined as number | undefined };
      ctx.runs.push(record);
      ctx.active += 1;
      ctx.maxActive = Math.max(ctx.maxActive, ctx.active);
      const end = (ok: boolean) => {
        ctx.active -= 1;
        record.endedAt = s.now();
        sub.next({ type: 'run-done', at: s.now(), ok, ms: s.now() - record.startedAt, cacheHits: 0 });
        sub.complete();
      };
      sub.next({ type: 'run-start', at: s.now(), runId: `r${n}`, pipeline: 'p', stages: [], cacheDir: 'c' });
      let timer = s.schedule(() => end(true), duration);
      const onAbort = () => {
        timer.unsubscribe();
        timer = s.schedule(() => end(false), settle);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      return () => {
        timer.unsubscribe();
        signal.removeEventListener('abort', onAbort);
      };
    });
}

/** Subscribes and records `frame:type` for every event but the opening watch-start, plus completion. */
function record(ctx: Ctx, events$: Observable<RunEvent | WatchEvent>) {
  const log: string[] = [];
  const events: (RunEvent | WatchEvent)[] = [];
  const sub = events$.subscribe({
    next: (e) => {
      if (events.length === 0) assert.is(e.type, 'watch-start', 'watch-start opens the stream');
      events.push(e);
      if (e.type !== 'watch-start') log.push(`${ctx.scheduler.now()}:${e.type}`);
    },
    complete: () => log.push(`${ctx.scheduler.now()}:complete`),
  });
  return { log, events, sub };
}

const add = (p: string): ChangeEvent => ({ kind: 'add', path: p });
const change = (p: string): ChangeEvent => ({ kind: 'change', path: p });

Watch('runs once at start, then debounces a burst of changes into one run', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('200ms a 9ms b 9ms c', { a: add('x.png'), b: change('p.ts'), c: change('x.png') });
    const { log, events } = record(ctx, watchRuns(changes$, fakeRun(ctx, 50, 10), { debounceMs: 100, scheduler: ctx.scheduler }));
    flush();
    assert.equal(log, [
      '0:run-start',
      '50:run-done',
      '50:watch-waiting',
      // marbles: a at 200, b at 210, c at 220 (each char is a frame); quiet for 100 → one batch at 320
      '320:watch-change',
      '320:run-start',
      '370:run-done',
      '370:watch-waiting',
    ]);
    const batch = events.find((e) => e.type === 'watch-change');
    // add then change of x.png inside one window is still an add, listed once, in first-seen order
    assert.equal(batch?.type === 'watch-change' && batch.changes, [add('x.png'), change('p.ts')]);
    assert.equal(ctx.runs.length, 2);
    assert.equal(ctx.runs[0].changes, []);
    assert.equal(ctx.runs[1].changes, [add('x.png'), change('p.ts')]);
  });
});

Watch('a change during a run aborts it and waits for it to settle before the next run', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('100ms a', { a: add('new.png') });
    const { log } = record(ctx, watchRuns(changes$, fakeRun(ctx, 500, 30), { debounceMs: 100, scheduler: ctx.scheduler }));
    flush();
    assert.equal(log, [
      '0:run-start',
      '200:watch-change',
      '200:watch-cancel',
      '230:run-done', // the cancelled run settles…
      '230:run-start', // …and only then does the next one start
      '730:run-done',
      '730:watch-waiting',
    ]);
    assert.ok(ctx.runs[0].signal.aborted, 'the stale run got its abort');
    assert.not.ok(ctx.runs[1].signal.aborted);
    assert.is(ctx.maxActive, 1, 'two runs never overlap');
    assert.equal(ctx.runs[1].changes, [add('new.png')]);
  });
});

Watch('the cancel event names the run it cancelled', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('100ms a', { a: add('new.png') });
    const { events } = record(ctx, watchRuns(changes$, fakeRun(ctx, 500, 30), { debounceMs: 100, scheduler: ctx.scheduler }));
    flush();
    const cancel = events.find((e) => e.type === 'watch-cancel');
    assert.equal(cancel, { type: 'watch-cancel', at: 200, runId: 'r1' });
  });
});

Watch('changes while a cancelled run settles are merged into one next run (no second cancel)', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('100ms a 199ms b', { a: add('one.png'), b: add('two.png') });
    const { log } = record(ctx, watchRuns(changes$, fakeRun(ctx, 1000, 300), { debounceMs: 100, scheduler: ctx.scheduler }));
    flush();
    assert.equal(log, [
      '0:run-start',
      '200:watch-change',
      '200:watch-cancel',
      '400:watch-change', // second batch while run 1 is still settling: no new cancel, no new run yet
      '500:run-done',
      '500:run-start',
      '1500:run-done',
      '1500:watch-waiting',
    ]);
    assert.is(ctx.runs.length, 2);
    assert.equal(ctx.runs[1].changes, [add('one.png'), add('two.png')]);
    assert.is(ctx.maxActive, 1);
  });
});

Watch('a file that appears and vanishes inside one window starts nothing', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('100ms a 9ms b', { a: add('tmp.png'), b: { kind: 'unlink', path: 'tmp.png' } });
    const { log } = record(ctx, watchRuns(changes$, fakeRun(ctx, 50, 10), { debounceMs: 100, scheduler: ctx.scheduler }));
    flush();
    assert.equal(log, ['0:run-start', '50:run-done', '50:watch-waiting']);
  });
});

Watch('a run that fails to start is reported and watching goes on', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('100ms a', { a: change('p.ts') });
    const good = fakeRun(ctx, 50, 10);
    let calls = 0;
    const startRun = (signal: AbortSignal, changes: readonly ChangeEvent[]) => {
      calls += 1;
      if (calls === 1) throw new Error('SyntaxError: Unexpected token in p.ts');
      return good(signal, changes);
    };
    const { log, events } = record(ctx, watchRuns(changes$, startRun, { debounceMs: 100, scheduler: ctx.scheduler }));
    flush();
    assert.equal(log, ['0:watch-error', '0:watch-waiting', '200:watch-change', '200:run-start', '250:run-done', '250:watch-waiting']);
    const error = events[1];
    assert.ok(error.type === 'watch-error' && error.error.message.includes('Unexpected token'));
  });
});

Watch('a run whose stream errors after being aborted ends quietly', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('10ms a', { a: change('p.ts') });
    let calls = 0;
    const startRun = (signal: AbortSignal) =>
      new Observable<RunEvent>((sub) => {
        calls += 1;
        if (calls === 1) {
          signal.addEventListener('abort', () => sub.error(Object.assign(new Error('aborted'), { name: 'AbortError' })));
          return;
        }
        sub.complete();
      });
    const { log } = record(ctx, watchRuns(changes$, startRun, { debounceMs: 10, scheduler: ctx.scheduler }));
    flush();
    assert.equal(log, ['20:watch-change', '20:watch-cancel', '20:watch-waiting']);
    assert.is(calls, 2);
  });
});

Watch('the stop signal aborts the run, waits for it, then completes', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('300ms a', { a: change('p.ts') });
    const stop = new AbortController();
    ctx.scheduler.schedule(() => stop.abort(), 100);
    const { log } = record(ctx, watchRuns(changes$, fakeRun(ctx, 500, 40), { debounceMs: 10, scheduler: ctx.scheduler, signal: stop.signal }));
    flush();
    assert.equal(log, ['0:run-start', '140:run-done', '140:watch-stop', '140:complete']);
    assert.ok(ctx.runs[0].signal.aborted);
    assert.is(ctx.runs.length, 1, 'changes after stop start nothing');
  });
});

Watch('completes after the last change has been run once the changes stream ends', (ctx) => {
  ctx.scheduler.run(({ cold, flush }) => {
    const changes$ = cold<ChangeEvent>('100ms a|', { a: change('p.ts') });
    const { log } = record(ctx, watchRuns(changes$, fakeRun(ctx, 50, 10), { debounceMs: 100, scheduler: ctx.scheduler, initialRun: false }));
    flush();
    assert.equal(log, ['200:watch-change', '200:run-start', '250:run-done', '250:watch-stop', '250:complete']);
  });
});

Watch('unsubscribing aborts the in-flight run', (ctx) => {
  ctx.scheduler.run(({ flush }) => {
    const changes$ = new Subject<ChangeEvent>();
    const { sub } = record(ctx, watchRuns(changes$, fakeRun(ctx, 500, 10), { scheduler: ctx.scheduler }));
    ctx.scheduler.schedule(() => sub.unsubscribe(), 50);
    flush();
    assert.ok(ctx.runs[0].signal.aborted);
    assert.is(changes$.observed, false, 'no longer listening to changes');
  });
});

Watch('default debounce is 300 ms', (ctx) => {
  ctx.scheduler.run(({ hot, flush }) => {
    const changes$ = hot<ChangeEvent>('100ms a', { a: change('p.ts') });
    const { log } = record(ctx, watchRuns(changes$, fakeRun(ctx, 10, 10), { scheduler: ctx.scheduler, initialRun: false }));
    flush();
    assert.equal(log.slice(0, 1), ['400:watch-change']);
  });
});

Watch.run();
