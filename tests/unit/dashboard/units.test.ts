// The units of a stage (tune trials, folds) on the dashboard and in plain lines: every worker's
// progress, from the `unit` events of the run's one stream.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunEvent } from '../../../src/runtime/events.ts';
import { initialRunState, reduceRunEvent } from '../../../src/dashboard/reducer.ts';
import { formatEventLine } from '../../../src/view/plain-logger.ts';

const Units = suite('units on the dashboard and in plain lines');

const events: RunEvent[] = [
  {
    type: 'run-start',
    at: 0,
    runId: 'r',
    pipeline: 'xray',
    stages: [{ id: 'tune', kind: 'tune' }],
    cacheDir: 'cache',
    executor: 'BullMQ at redis://q:6379/ (queue medpipe-units)',
    remote: 's3://lab/cache (read)',
  },
  { type: 'stage-start', at: 1, stage: 'tune', key: 'k', reasons: [] },
  { type: 'unit', at: 2, stage: 'tune', unit: 'grid point 1/3: learningRate 0.001', key: 'a1', state: 'queued' },
  { type: 'unit', at: 2, stage: 'tune', unit: 'grid point 2/3: learningRate 0.0003', key: 'b2', state: 'queued' },
  { type: 'unit', at: 2, stage: 'tune', unit: 'grid point 3/3: learningRate 0.0001', key: 'c3', state: 'cached', source: 'remote' },
  { type: 'unit', at: 3, stage: 'tune', unit: 'grid point 1/3: learningRate 0.001', key: 'a1', state: 'running', worker: 'gpu1:400' },
  {
    type: 'unit',
    at: 4,
    stage: 'tune',
    unit: 'grid point 2/3: learningRate 0.0003',
    key: 'b2',
    state: 'running',
    worker: 'gpu2:77',
    epoch: 2,
    epochs: 5,
    logs: { loss: 0.4, val_loss: 0.5, val_auc: 0.91 },
  },
  {
    type: 'unit',
    at: 5,
    stage: 'tune',
    unit: 'grid point 1/3: learningRate 0.001',
    key: 'a1',
    state: 'retrying',
    worker: 'gpu1:400',
    message: 'worker gpu1:400 stopped answering',
  },
  { type: 'unit', at: 6, stage: 'tune', unit: 'grid point 1/3: learningRate 0.001', key: 'a1', state: 'done', worker: 'gpu2:77', ms: 4200 },
];

Units('the reducer keeps one view per unit: state, worker, epoch and the last validation metrics', () => {
  const state = events.reduce(reduceRunEvent, initialRunState);
  assert.is(state.executor, 'BullMQ at redis://q:6379/ (queue medpipe-units)');
  assert.is(state.remote, 's3://lab/cache (read)');
  const units = state.stages[0]!.units!;
  assert.equal(
    units.map((u) => [u.label.slice(0, 12), u.state, u.worker, u.epoch, u.val.auc]),
    [
      ['grid point 1', 'done', 'gpu2:77', undefined, undefined],
      ['grid point 2', 'running', 'gpu2:77', 2, 0.91],
      ['grid point 3', 'cached', undefined, undefined, undefined],
    ],
  );
  assert.is(units[0]!.ms, 4200);
  assert.is(units[2]!.source, 'remote');
});

Units('plain lines name the unit, its worker and what happened', () => {
  const lines = events.map((e) => formatEventLine(e)).filter(Boolean);
  assert.ok(lines.includes('[tune] grid point 1/3: learningRate 0.001: queued (key a1)'), lines.join('\n'));
  assert.ok(lines.includes('[tune] grid point 3/3: learningRate 0.0001: cached (from the remote cache)'));
  assert.ok(lines.includes('[tune] grid point 1/3: learningRate 0.001: running on gpu1:400'));
  assert.ok(lines.includes('[tune] grid point 2/3: learningRate 0.0003: epoch 2/5 on gpu2:77 val_loss=0.5000 val_auc=0.9100'), lines.join('\n'));
  assert.ok(lines.includes('[tune] grid point 1/3: learningRate 0.001: retrying: worker gpu1:400 stopped answering'));
  assert.ok(lines.includes('[tune] grid point 1/3: learningRate 0.001: done on gpu2:77 in 4.2s'), lines.join('\n'));
  assert.match(lines[0]!, /units on BullMQ at redis:\/\/q:6379\/ \(queue medpipe-units\)/);
  assert.match(lines[0]!, /remote s3:\/\/lab\/cache \(read\)/);
});

Units("the dashboard shows a running stage's units with their workers", async () => {
  const { render } = await import('ink-testing-library');
  const React = await import('react');
  const { DashboardView } = await import('../../../src/dashboard/components/DashboardView.tsx');
  const state = events.slice(0, 7).reduce(reduceRunEvent, initialRunState);
  const view = render(React.createElement(DashboardView, { state }));
  const frame = view.lastFrame() ?? '';
  view.unmount();
  assert.match(frame, /units: 1\/3 finished/);
  assert.match(frame, /grid point 2\/3.*running.*gpu2:77.*epoch 2\/5 val auc 0\.9100/);
  assert.match(frame, /grid point 1\/3.*running.*gpu1:400/);
  assert.match(frame, /grid point 3\/3.*cached.*remote cache/);
  assert.match(frame, /units on BullMQ/);
});

Units.run();
