import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunEvent } from '../../../src/runtime/events.ts';
import type { WatchEvent } from '../../../src/runtime/watch-events.ts';
import { initialRunState, reduceRunEvent, type RunState } from '../../../src/dashboard/reducer.ts';

const Reducer = suite('reduceRunEvent');

const stages = [
  { id: 'ingest', kind: 'ingest' },
  { id: 'normalize', kind: 'normalize' },
  { id: 'split', kind: 'split' },
  { id: 'fit', kind: 'fit' },
];

const runStart = (at = 0, runId = 'r1'): RunEvent => ({
  type: 'run-start',
  at,
  runId,
  pipeline: 'xray',
  stages,
  backend: 'cpu',
  cacheDir: 'cache',
});

function fold(events: readonly (RunEvent | WatchEvent)[], from: RunState = initialRunState): RunState {
  return events.reduce(reduceRunEvent, from);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const stage = (state: RunState, id: string) => {
  const found = state.stages.find((s) => s.id === id);
  if (!found) throw new Error(`no stage ${id}`);
  return found;
};

Reducer('run-start lists every stage as waiting, with backend and cache dir', () => {
  const state = fold([runStart()]);
  assert.is(state.phase, 'running');
  assert.equal(
    state.stages.map((s) => [s.id, s.status]),
    stages.map((s) => [s.id, 'waiting']),
  );
  assert.is(state.backend, 'cpu');
  assert.is(state.cacheDir, 'cache');
  assert.is(state.pipeline, 'xray');
});

Reducer('a fully cached run: cached keys, hit count, output dir', () => {
  const state = fold([
    runStart(),
    ...stages.map((s, i): RunEvent => ({ type: 'stage-cached', at: i, stage: s.id, key: `${s.id}:abcdef0123456789` })),
    { type: 'run-done', at: 10, ok: true, ms: 10, cacheHits: 4, outputDir: 'out/xray' },
  ]);
  assert.equal(
    state.stages.map((s) => s.status),
    ['cached', 'cached', 'cached', 'cached'],
  );
  assert.is(stage(state, 'split').key, 'split:abcdef0123456789');
  assert.is(state.cacheHits, 4);
  assert.is(state.outputDir, 'out/xray');
  assert.is(state.phase, 'done');
});

Reducer('ingest progress gives files/s and an ETA from the stage start', () => {
  const state = fold([
    runStart(),
    { type: 'stage-start', at: 1000, stage: 'ingest', key: 'k', reasons: [{ kind: 'new', detail: '' }] },
    { type: 'stage-progress', at: 2000, stage: 'ingest', done: 50, total: 200, unit: 'files' },
  ]);
  const ingest = stage(state, 'ingest');
  assert.is(ingest.status, 'running');
  assert.is(ingest.progress?.done, 50);
  assert.is(ingest.progress?.rate, 50);
  assert.is(ingest.progress?.etaMs, 3000);
  assert.equal(ingest.reasons, [{ kind: 'new', detail: '' }]);
});

Reducer('stage-done keeps its time and summary; early cutoff is kept', () => {
  const state = fold([
    runStart(),
    { type: 'stage-start', at: 0, stage: 'normalize', key: 'k', reasons: [{ kind: 'upstream', stage: 'ingest' }] },
    { type: 'stage-done', at: 5, stage: 'normalize', key: 'k', ms: 1234, summary: 'z-score', unchangedOutput: true },
  ]);
  const s = stage(state, 'normalize');
  assert.is(s.status, 'done');
  assert.is(s.ms, 1234);
  assert.is(s.summary, 'z-score');
  assert.ok(s.unchangedOutput);
});

/** Two epochs of 4 batches, numbered from 1 as WorkEvent says (base 0 only to show what a wrong runtime would do). */
function fitEvents(base: 0 | 1 = 1): RunEvent[] {
  const events: RunEvent[] = [{ type: 'stage-start', at: 0, stage: 'fit', key: 'k', reasons: [{ kind: 'config', fields: ['epochs'] }] }];
  let at = 0;
  for (let e = 0; e < 2; e++) {
    for (let b = 0; b < 4; b++) {
      at += 100;
      events.push({ type: 'batch', at, stage: 'fit', epoch: e + base, batch: b + base, batches: 4, loss: 1 - (e * 4 + b) / 10 });
    }
    events.push({
      type: 'epoch',
      at,
      stage: 'fit',
      epoch: e + base,
      epochs: 4,
      logs: { loss: 0.7 - e * 0.1, accuracy: 0.6 + e * 0.1, val_loss: 0.8 - e * 0.1, val_auc: [0.81, 0.79][e], val_precision: 0.5 },
      best: { monitor: 'val_auc', value: 0.81, epoch: base },
      patienceLeft: 2 - e,
    });
  }
  return events;
}

Reducer('fit: epoch and batch progress, metrics split into train and val, histories, best val_auc, patience', () => {
  const mid = fold([runStart(), ...fitEvents(1).slice(0, 4)]); // stage-start + 3 batches of epoch 1
  const during = stage(mid, 'fit').fit!;
  assert.is(during.epoch, 1);
  assert.is(during.batch, 3);
  assert.is(during.batches, 4);
  assert.is(during.loss, 1 - 2 / 10);
  assert.is(during.epochEtaMs, 100, '3 batches took 300 ms: one more takes 100');
  assert.is(during.etaMs, undefined, 'the epoch count is not known before the first epoch event');

  const fit = stage(fold([runStart(), ...fitEvents(1)]), 'fit').fit!;
  assert.is(fit.epochsDone, 2);
  assert.is(fit.epochs, 4);
  assert.is(fit.epoch, 3, 'the epoch in progress, 1-based');
  assert.is(fit.batch, 0);
  assert.equal(fit.train, { loss: 0.6, accuracy: 0.7 });
  assert.equal(fit.val, { loss: 0.7000000000000001, auc: 0.79, precision: 0.5 });
  assert.equal(fit.lossHistory, [0.7, 0.6]);
  assert.equal(fit.valAucHistory, [0.81, 0.79]);
  assert.equal(fit.bestValAuc, { value: 0.81, epoch: 1 }, 'the best epoch, not the last');
  assert.is(fit.patienceLeft, 1);
  assert.is(fit.best?.monitor, 'val_auc');
  assert.is(fit.etaMs, 800, 'half of all batches in 800 ms: 800 ms left');
});

Reducer('fit: numbering is 1-based as WorkEvent says: batch 4 of epoch 1 is a full epoch in progress, epoch event 1 is one done', () => {
  const events = fitEvents(1);
  const lastBatchOfFirst = stage(fold([runStart(), ...events.slice(0, 5)]), 'fit').fit!;
  assert.equal([lastBatchOfFirst.epoch, lastBatchOfFirst.batch, lastBatchOfFirst.epochsDone], [1, 4, 0]);
  const afterFirst = stage(fold([runStart(), ...events.slice(0, 6)]), 'fit').fit!;
  assert.equal([afterFirst.epochsDone, afterFirst.epoch, afterFirst.batch], [1, 2, 0]);
});

Reducer('a NaN val_auc (one-class validation split) is charted but never "best"', () => {
  const state = fold([runStart(), { type: 'epoch', at: 1, stage: 'fit', epoch: 1, epochs: 2, logs: { loss: 1, val_auc: Number.NaN } }]);
  const fit = stage(state, 'fit').fit!;
  assert.is(fit.bestValAuc, undefined);
  assert.is(fit.valAucHistory.length, 1);
});

Reducer('a failed stage keeps the error and its first line; the run is failed', () => {
  const error = { code: 'BAD_FILE', message: 'Cannot decode x.png\nsharp: bad header', fix: "Remove it or set onBadFile: 'skip'", file: 'x.png' };
  const state = fold([
    runStart(),
    { type: 'stage-start', at: 0, stage: 'ingest', key: 'k', reasons: [] },
    { type: 'stage-failed', at: 1, stage: 'ingest', error },
    { type: 'run-done', at: 2, ok: false, ms: 2, cacheHits: 0, error },
  ]);
  const ingest = stage(state, 'ingest');
  assert.is(ingest.status, 'failed');
  assert.is(ingest.errorLine, 'Cannot decode x.png');
  assert.is(ingest.error?.fix, "Remove it or set onBadFile: 'skip'");
  assert.is(state.phase, 'failed');
  assert.equal(state.error, error);
});

Reducer('a cancelled run marks the running stage cancelled, not failed', () => {
  const cancelled = { code: 'CANCELLED', message: 'The run was cancelled.' };
  const state = fold([
    runStart(),
    { type: 'stage-start', at: 0, stage: 'fit', key: 'k', reasons: [] },
    { type: 'run-done', at: 2, ok: false, ms: 2, cacheHits: 0, error: cancelled },
  ]);
  assert.is(stage(state, 'fit').status, 'cancelled');
  assert.is(stage(state, 'split').status, 'waiting');
  assert.is(state.phase, 'cancelled');
  const viaStage = fold([runStart(), { type: 'stage-failed', at: 1, stage: 'fit', error: cancelled }]);
  assert.is(stage(viaStage, 'fit').status, 'cancelled');
});

Reducer('watch mode: what changed survives the next run-start, which resets the stages', () => {
  const changes = [{ kind: 'add' as const, path: 'data/normal/new.png' }];
  const state = fold([
    runStart(0, 'r1'),
    { type: 'stage-cached', at: 1, stage: 'ingest', key: 'k' },
    { type: 'run-done', at: 2, ok: true, ms: 2, cacheHits: 1 },
    { type: 'watch-waiting', at: 3 },
    { type: 'watch-change', at: 10, changes },
    runStart(11, 'r2'),
    { type: 'stage-start', at: 12, stage: 'ingest', key: 'k2', reasons: [{ kind: 'files', added: 1, removed: 0, changed: 0, examples: ['new.png'] }] },
  ]);
  assert.equal(state.watch?.changes, changes);
  assert.is(state.watch?.changedAt, 10);
  assert.is(state.watch?.status, 'running');
  assert.is(state.watch?.runs, 2);
  assert.is(state.runId, 'r2');
  assert.is(state.cacheHits, 0, 'counts restart with the run');
  assert.is(stage(state, 'ingest').reasons[0].kind, 'files');
  assert.is(stage(state, 'fit').status, 'waiting');
});

Reducer('watch mode: cancelling, waiting, and an error that does not end watching', () => {
  const s0 = fold([{ type: 'watch-start', at: 0 }]);
  assert.equal(s0.watch, { status: 'running', changes: [], runs: 0 }, 'watching shows from the first frame');
  assert.is(fold([runStart()], s0).watch?.runs, 1);
  const s1 = fold([runStart(), { type: 'watch-change', at: 5, changes: [] }, { type: 'watch-cancel', at: 5, runId: 'r1' }]);
  assert.is(s1.watch?.status, 'cancelling');
  const s2 = fold([
    { type: 'watch-error', at: 1, error: { code: 'PIPELINE_LOAD', message: 'SyntaxError' } },
    { type: 'watch-waiting', at: 2 },
  ]);
  assert.is(s2.watch?.status, 'waiting');
  assert.is(s2.watch?.error?.code, 'PIPELINE_LOAD');
  assert.is(s2.phase, 'failed');
  const s3 = fold([runStart(3, 'r2')], s2);
  assert.is(s3.watch?.error, undefined, 'a new run clears the old error');
  assert.is(s3.phase, 'running');
  assert.is(fold([{ type: 'watch-stop', at: 9 }], s3).watch?.status, 'stopped');
});

Reducer('logs keep the last five lines', () => {
  const logs: RunEvent[] = Array.from({ length: 7 }, (_, i) => ({ type: 'log', at: i, level: 'info', message: `m${i}` }));
  const state = fold([runStart(), ...logs]);
  assert.equal(
    state.logs.map((l) => l.message),
    ['m2', 'm3', 'm4', 'm5', 'm6'],
  );
});

Reducer('events for a stage not announced at run-start still show up', () => {
  const state = fold([runStart(), { type: 'stage-cached', at: 1, stage: 'evaluate', key: 'k' }]);
  assert.equal(stage(state, 'evaluate').status, 'cached');
  assert.is(state.stages.at(-1)?.id, 'evaluate');
});

Reducer('never mutates the state it is given', () => {
  const events = [runStart(), ...fitEvents(1)];
  const before = deepFreeze(fold(events.slice(0, 3)));
  const snapshot = JSON.stringify(before);
  fold(events.slice(3), before); // would throw on a write to a frozen object in strict mode
  assert.is(JSON.stringify(before), snapshot);
  assert.equal(initialRunState.stages, []);
});

Reducer.run();
