// Plain .ts (createElement, no JSX) so `npm test`'s '\.test\.ts$' pattern picks it up.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { createElement as h } from 'react';
import { Subject } from 'rxjs';
import type { RunEvent } from '../../../src/runtime/events.ts';
import type { WatchEvent } from '../../../src/runtime/watch-events.ts';
import { initialRunState, reduceRunEvent, type RunState } from '../../../src/dashboard/reducer.ts';
import { createRunStore } from '../../../src/dashboard/store.ts';

// Ink (through yoga-layout) uses top-level await, which `uvu -r tsx`'s require path cannot load:
// everything that pulls in Ink is imported dynamically, as the CLI does.
let render: typeof import('ink-testing-library').render;
let DashboardView: typeof import('../../../src/dashboard/components/DashboardView.tsx').DashboardView;
let Dashboard: typeof import('../../../src/dashboard/components/Dashboard.tsx').Dashboard;
let renderDashboard: typeof import('../../../src/dashboard/index.ts').renderDashboard;
async function loadInk(): Promise<void> {
  ({ render } = await import('ink-testing-library'));
  ({ DashboardView } = await import('../../../src/dashboard/components/DashboardView.tsx'));
  ({ Dashboard } = await import('../../../src/dashboard/components/Dashboard.tsx'));
  ({ renderDashboard } = await import('../../../src/dashboard/index.ts'));
}

const stages = ['ingest', 'normalize', 'split', 'build', 'fit', 'evaluate'].map((id) => ({ id, kind: id }));
const runStart: RunEvent = { type: 'run-start', at: 0, runId: 'r1', pipeline: 'pneumonia', stages, backend: 'cpu', cacheDir: 'cache' };
const fold = (events: readonly (RunEvent | WatchEvent)[]): RunState => events.reduce(reduceRunEvent, initialRunState);
// eslint-disable-next-line no-control-regex
const plain = (frame: string | undefined) => (frame ?? '').replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
const lineOf = (frame: string, start: string) => frame.split('\n').find((l) => l.trimStart().startsWith(start)) ?? '';
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
/** Waits until `ready()` holds (Ink renders and reads input asynchronously); no fixed sleeps. */
async function eventually(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; !ready(); i++) {
    if (i > 5000) throw new Error(`never happened: ${what}`);
    await tick(1);
  }
}

function frameOf(state: RunState, props: { quitting?: boolean } = {}): string {
  const { lastFrame, unmount } = render(h(DashboardView, { state, ...props }));
  const frame = plain(lastFrame());
  unmount();
  return frame;
}

const View = suite('DashboardView frames');
View.before(loadInk);

View('run start: one row per stage, all waiting, backend in the header', () => {
  const frame = frameOf(fold([runStart]));
  assert.match(frame, /medpipe · pneumonia · backend cpu · running/);
  for (const s of stages) assert.match(lineOf(frame, `· ${s.id}`), /waiting/);
  assert.match(frame, /cache hits 0\/6 · cache cache · q quit/);
});

View('a cached rerun: short keys, hit count, where the outputs went', () => {
  const frame = frameOf(
    fold([
      runStart,
      ...stages.map((s, i): RunEvent => ({ type: 'stage-cached', at: i, stage: s.id, key: `${s.id}:0123456789abcdef` })),
      { type: 'run-done', at: 9, ok: true, ms: 412, cacheHits: 6, outputDir: 'out/pneumonia' },
    ]),
  );
  assert.match(lineOf(frame, '✓ split'), /cached 01234567$/);
  assert.match(frame, /done 412ms/);
  assert.match(frame, /cache hits 6\/6 · cache cache · outputs → out\/pneumonia/);
});

View('ingest running: progress bar, counts, files/s and ETA; why it reruns', () => {
  const frame = frameOf(
    fold([
      runStart,
      { type: 'stage-start', at: 0, stage: 'ingest', key: 'k', reasons: [{ kind: 'files', added: 1, removed: 0, changed: 0, examples: ['normal/new.png'] }] },
      { type: 'stage-progress', at: 2000, stage: 'ingest', done: 500, total: 2000, unit: 'files' },
    ]),
  );
  const row = lineOf(frame, '▶ ingest');
  assert.match(row, /█{5}░{15}\s+25% 500\/2000 files · 250 files\/s · ETA 6\.0s/);
  assert.match(frame, /↳ 1 file added \(normal\/new\.png\)/);
});

View('fit: epoch, batch bar, loss, ETA, train/val metrics, best val_auc, patience, sparklines', () => {
  const logs = (loss: number, valAuc: number) => ({
    loss,
    accuracy: 0.8,
    precision: 0.81,
    recall: 0.82,
    auc: 0.9,
    specificity_at_sensitivity: 0.7,
    val_loss: loss + 0.1,
    val_accuracy: 0.75,
    val_precision: 0.7,
    val_recall: 0.8,
    val_auc: valAuc,
    val_specificity_at_sensitivity: 0.6,
  });
  const frame = frameOf(
    fold([
      runStart,
      { type: 'stage-start', at: 0, stage: 'fit', key: 'k', reasons: [{ kind: 'config', fields: ['epochs'] }] },
      { type: 'epoch', at: 1000, stage: 'fit', epoch: 1, epochs: 5, logs: logs(0.6, 0.9) },
      { type: 'epoch', at: 2000, stage: 'fit', epoch: 2, epochs: 5, logs: logs(0.4, 0.95), patienceLeft: 3 },
      { type: 'epoch', at: 3000, stage: 'fit', epoch: 3, epochs: 5, logs: logs(0.3, 0.93), patienceLeft: 2 },
      { type: 'batch', at: 3500, stage: 'fit', epoch: 4, batch: 10, batches: 20, loss: 0.2512 },
    ]),
  );
  assert.match(frame, /↳ config changed: epochs/);
  assert.match(frame, /epoch 4\/5 · batch █{8}░{8} 10\/20 · loss 0\.2512 · ETA 1\.5s/);
  assert.match(lineOf(frame, 'loss  '), /loss\s+accuracy\s+precision\s+recall\s+auc\s+spec@sens/);
  assert.match(lineOf(frame, 'train'), /train\s+0\.3000\s+0\.8000\s+0\.8100\s+0\.8200\s+0\.9000\s+0\.7000/);
  assert.match(lineOf(frame, 'val'), /val\s+0\.4000\s+0\.7500\s+0\.7000\s+0\.8000\s+0\.9300\s+0\.6000/);
  assert.match(frame, /best val_auc 0\.9500 \(epoch 2\) · patience 2 left/);
  assert.match(frame, /loss █▃▁  val_auc ▁█▅/);
});

View('a failed stage shows the first line of the error and the fix', () => {
  const error = {
    code: 'BAD_FILE',
    message: 'Cannot decode normal/bad.png: unsupported image format\n  at sharp…',
    fix: "Delete the file or set onBadFile: 'skip'.",
  };
  const frame = frameOf(
    fold([
      runStart,
      { type: 'stage-start', at: 0, stage: 'ingest', key: 'k', reasons: [] },
      { type: 'stage-failed', at: 5, stage: 'ingest', error },
      { type: 'run-done', at: 6, ok: false, ms: 6, cacheHits: 0, error },
    ]),
  );
  assert.match(lineOf(frame, '✗ ingest'), /failed: Cannot decode normal\/bad\.png: unsupported image format$/);
  assert.match(frame, /fix: Delete the file or set onBadFile: 'skip'\./);
  assert.not.match(frame, /at sharp/);
  assert.match(frame, /· failed/);
});

View('a run-level error (no stage) is shown once with its fix', () => {
  const error = { code: 'INVALID_PIPELINE', message: 'Two stages are named fit', fix: 'Give each stage its own id.' };
  const frame = frameOf(fold([runStart, { type: 'run-done', at: 1, ok: false, ms: 1, cacheHits: 0, error }]));
  assert.match(frame, /Two stages are named fit · fix: Give each stage its own id\./);
});

View('watch mode: what changed, the cancelling state, then waiting', () => {
  const changed = fold([
    runStart,
    {
      type: 'watch-change',
      at: 5,
      changes: [
        { kind: 'add', path: 'data/normal/new.png' },
        { kind: 'change', path: 'pipelines/xray.ts' },
      ],
    },
    { type: 'watch-cancel', at: 5, runId: 'r1' },
  ]);
  const frame = frameOf(changed);
  assert.match(frame, /changed: \+ data\/normal\/new\.png, ~ pipelines\/xray\.ts/);
  assert.match(frame, /cancelling/);
  assert.match(frameOf(reduceRunEvent(changed, { type: 'watch-waiting', at: 9 })), /waiting for changes/);
  assert.match(frameOf(reduceRunEvent(changed, { type: 'watch-stop', at: 9 })), /stopped watching/);
});

View('a finished fit shows what it reached, not a batch bar or an ETA; first-run reasons are not repeated', () => {
  const frame = frameOf(
    fold([
      runStart,
      { type: 'stage-start', at: 0, stage: 'fit', key: 'k', reasons: [{ kind: 'new', detail: 'no earlier run' }] },
      { type: 'batch', at: 10, stage: 'fit', epoch: 1, batch: 1, batches: 2, loss: 0.5 },
      { type: 'batch', at: 20, stage: 'fit', epoch: 1, batch: 2, batches: 2, loss: 0.4 },
      { type: 'epoch', at: 30, stage: 'fit', epoch: 1, epochs: 30, logs: { loss: 0.45, val_auc: 0.9 }, patienceLeft: 0 },
      { type: 'stage-done', at: 40, stage: 'fit', key: 'k', ms: 40, summary: '1 epoch(s), stopped early' },
      { type: 'run-done', at: 41, ok: true, ms: 41, cacheHits: 0 },
    ]),
  );
  assert.match(frame, /1\/30 epochs run · last batch loss 0\.4000/);
  assert.not.match(frame, /ETA|batch █|░/);
  assert.not.match(frame, /not in cache/);
  assert.not.match(frame, /q quit/, 'nothing left to quit');
  assert.match(frame, /best val_auc 0\.9000 \(epoch 1\) · patience 0 left/);
});

View('stopping: the header says so and the key hint goes away', () => {
  const frame = frameOf(fold([runStart]), { quitting: true });
  assert.match(frame, /stopping…/);
  assert.not.match(frame, /q quit/);
});

const Live = suite('Dashboard container and renderDashboard');
Live.before(loadInk);

Live('q calls onQuit and the view says it is stopping', async () => {
  const store = createRunStore({ maxFps: 1000 });
  store.dispatch(runStart);
  let quits = 0;
  const { stdin, lastFrame, unmount } = render(h(Dashboard, { store, onQuit: () => (quits += 1) }));
  await eventually(() => /pneumonia/.test(plain(lastFrame())), 'the first frame');
  await tick();
  stdin.write('x');
  stdin.write('q');
  await eventually(() => quits > 0 && /stopping…/.test(plain(lastFrame())), 'q quits');
  assert.is(quits, 1, "'x' did nothing, 'q' quit once");
  unmount();
});

Live('the view follows the store', async () => {
  const store = createRunStore({ maxFps: 1000 });
  store.dispatch(runStart);
  const { lastFrame, unmount } = render(h(Dashboard, { store, onQuit: () => {} }));
  store.dispatch({ type: 'stage-cached', at: 1, stage: 'ingest', key: 'ingest:feedbeef00' });
  await eventually(() => /✓ ingest\s+cached feedbeef/.test(plain(lastFrame())), 'the cached row');
  unmount();
});

/** A stand-in terminal: collects what Ink writes. */
class FakeTty extends EventEmitter {
  readonly columns = 120;
  readonly rows = 40;
  readonly isTTY = true;
  readonly writes: string[] = [];
  write = (chunk: string) => {
    this.writes.push(chunk);
    return true;
  };
}

Live('renderDashboard: every event is reduced, redraws are throttled, the final state is drawn, then it exits', async () => {
  const events = new Subject<RunEvent>();
  const stdout = new FakeTty();
  const ui = renderDashboard(events, { onQuit: () => {}, stdout: stdout as unknown as NodeJS.WriteStream, maxFps: 10 });
  events.next(runStart);
  events.next({ type: 'stage-start', at: 0, stage: 'fit', key: 'k', reasons: [] });
  for (let b = 1; b <= 2000; b++) events.next({ type: 'batch', at: b, stage: 'fit', epoch: 1, batch: b, batches: 2000, loss: 1 / b });
  events.next({ type: 'run-done', at: 2001, ok: true, ms: 2001, cacheHits: 0, outputDir: 'out/x' });
  events.complete();
  await ui.waitUntilExit();
  const all = plain(stdout.writes.join(''));
  assert.ok(stdout.writes.length < 20, `throttled: ${stdout.writes.length} writes for 2004 events`);
  assert.match(all, /batch █{16} 2000\/2000 · loss 0\.0005/, 'the last batch made it to the screen');
  assert.match(all, /outputs → out\/x/);
});

Live('on a narrow terminal a long row is cut, not wrapped: one line per stage, columns kept', async () => {
  const { render: inkRender } = await import('ink');
  const stdout = Object.assign(new FakeTty(), { columns: 60 });
  const state = fold([
    runStart,
    { type: 'stage-start', at: 0, stage: 'ingest', key: 'k', reasons: [{ kind: 'new', detail: 'no earlier run of this stage in this cache' }] },
    { type: 'stage-progress', at: 1950, stage: 'ingest', done: 458, total: 3166, unit: 'files', note: '458 decoded' },
  ]);
  const instance = inkRender(h(DashboardView, { state }), { stdout: stdout as unknown as NodeJS.WriteStream, debug: true, patchConsole: false });
  instance.unmount();
  const lines = plain(stdout.writes.filter((w) => w.includes('ingest')).at(-1)).split('\n');
  const row = lines.findIndex((l) => l.includes('ingest'));
  assert.match(lines[row], /^▶ ingest    █+░+ +14% 458\/3166 files.*…$/);
  assert.ok(lines[row].length <= 60, lines[row]);
  assert.match(lines[row + 1], /^ {12}↳ not in cache/, 'the next line is the reason, not a wrapped remainder');
  assert.match(lines[row + 2], /^· normalize waiting$/);
});

Live('renderDashboard: q goes to onQuit; the run ending afterwards unmounts it', async () => {
  const events = new Subject<RunEvent>();
  const stdout = new FakeTty();
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode() {},
    setEncoding() {},
    resume() {},
    pause() {},
    ref() {},
    unref() {},
    read: () => pending.shift() ?? null,
  });
  const pending: string[] = [];
  let quit = false;
  const ui = renderDashboard(events, {
    onQuit: () => {
      quit = true;
      // What the CLI does: abort the run; the runtime then reports the cancel and completes.
      events.next({ type: 'run-done', at: 5, ok: false, ms: 5, cacheHits: 0, error: { code: 'CANCELLED', message: 'The run was cancelled.' } });
      events.complete();
    },
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  events.next(runStart);
  // Ink reads keys once it listens on stdin: wait for that, not for a clock.
  await eventually(() => stdin.listenerCount('readable') > 0, 'Ink listening for keys');
  pending.push('q');
  stdin.emit('readable');
  await ui.waitUntilExit();
  assert.ok(quit);
  assert.match(plain(stdout.writes.join('')), /cancelled/);
});

View.run();
Live.run();
