import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { from } from 'rxjs';
import type { RunEvent } from '../../../src/runtime/events.ts';
import type { WatchEvent } from '../../../src/runtime/watch-events.ts';
import { formatEventLine, logPlain } from '../../../src/view/plain-logger.ts';

const Logger = suite('plain-line logger');

const stages = [
  { id: 'ingest', kind: 'ingest' },
  { id: 'fit', kind: 'fit' },
];
const collect = (events: (RunEvent | WatchEvent)[], options = {}) => {
  const lines: string[] = [];
  logPlain(from(events), (l) => lines.push(l), options);
  return lines;
};

Logger('one readable line per event kind', () => {
  const lines = collect([
    { type: 'run-start', at: 0, runId: 'r7', pipeline: 'xray', stages, backend: 'cpu', cacheDir: 'cache' },
    { type: 'stage-cached', at: 1, stage: 'ingest', key: 'ingest:9f3a0b1c2d3e4f50' },
    {
      type: 'stage-start',
      at: 2,
      stage: 'fit',
      key: 'abcdef0123456789',
      reasons: [
        { kind: 'config', fields: ['epochs'] },
        { kind: 'env', parts: ['seed'] },
      ],
    },
    { type: 'log', at: 3, stage: 'fit', level: 'warn', message: 'class weights: balanced' },
    { type: 'stage-done', at: 4, stage: 'fit', key: 'k', ms: 61_000, summary: 'best val_auc 0.95', unchangedOutput: true },
    { type: 'run-done', at: 5, ok: true, ms: 62_500, cacheHits: 1, outputDir: 'out/xray' },
  ]);
  assert.equal(lines, [
    'run xray started: 2 stages, backend cpu, cache cache (run r7)',
    '[ingest] cached (key 9f3a0b1c)',
    '[fit] running (key abcdef01): config changed: epochs; environment changed: seed',
    '[fit] warning: class weights: balanced',
    '[fit] done in 1m01s: best val_auc 0.95; output unchanged, downstream stays cached',
    'run done in 1m03s: 1 cached, outputs in out/xray',
  ]);
});

Logger('failures name the stage, the code, the file and the fix on one line', () => {
  const error = {
    code: 'BAD_FILE',
    message: 'Cannot decode bad.png\nsharp: Input buffer contains unsupported image format',
    file: 'data/normal/bad.png',
    fix: "Delete it or set onBadFile: 'skip'.",
  };
  assert.is(
    formatEventLine({ type: 'stage-failed', at: 0, stage: 'ingest', error }),
    "[ingest] failed: BAD_FILE: Cannot decode bad.png | sharp: Input buffer contains unsupported image format. File: data/normal/bad.png. Fix: Delete it or set onBadFile: 'skip'.",
  );
  assert.is(
    formatEventLine({ type: 'run-done', at: 0, ok: false, ms: 1500, cacheHits: 2, error: { code: 'CANCELLED', message: 'The run was cancelled.' } }),
    'run cancelled after 1.5s: 2 cached',
  );
  assert.is(formatEventLine({ type: 'stage-failed', at: 0, stage: 'fit', error: { code: 'CANCELLED', message: 'The run was cancelled.' } }), '[fit] cancelled');
});

Logger('no escape codes or line breaks, whatever file names and messages contain', () => {
  const nasty = 'evil\x1b[31mred\x1b[0m\x1b]0;title\x07\r\nsecond line\ttab\x08';
  const events: (RunEvent | WatchEvent)[] = [
    { type: 'run-start', at: 0, runId: 'r', pipeline: nasty, stages, cacheDir: nasty },
    { type: 'stage-start', at: 0, stage: 'ingest', key: 'k', reasons: [{ kind: 'files', added: 1, removed: 0, changed: 0, examples: [nasty] }] },
    { type: 'stage-progress', at: 0, stage: 'ingest', done: 1, total: 1, unit: 'files', note: nasty },
    { type: 'log', at: 0, level: 'info', message: nasty },
    { type: 'stage-failed', at: 0, stage: 'ingest', error: { code: 'BAD_FILE', message: nasty, fix: nasty, file: nasty } },
    { type: 'watch-change', at: 0, changes: [{ kind: 'add', path: nasty }] },
    { type: 'watch-error', at: 0, error: { code: 'PIPELINE_LOAD', message: nasty } },
  ];
  const lines = collect(events);
  assert.is(lines.length, events.length);
  for (const line of lines) {
    // eslint-disable-next-line no-control-regex
    assert.not.match(line, /[\x00-\x1f\x7f]/, JSON.stringify(line));
    assert.match(line, /evilred/);
  }
});

Logger('progress is thinned to steps of 10% (and 100%), per stage', () => {
  const events: RunEvent[] = [{ type: 'stage-start', at: 0, stage: 'ingest', key: 'k', reasons: [] }];
  for (let done = 1; done <= 1000; done++) events.push({ type: 'stage-progress', at: done, stage: 'ingest', done, total: 1000, unit: 'files' });
  const lines = collect(events).filter((l) => l.includes('files'));
  assert.equal(
    lines.map((l) => l.match(/\((\d+)%\)/)?.[1]),
    ['0', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100'],
  );
  assert.is(lines.at(-1), '[ingest] 1000/1000 files (100%)');
  assert.is(collect(events, { progressStepPercent: 50 }).length, 1 + 3);
});

Logger('epochs count from 1 as the events say (WorkEvent); batches make no line', () => {
  const events: RunEvent[] = [
    { type: 'batch', at: 0, stage: 'fit', epoch: 1, batch: 1, batches: 2, loss: 0.9 },
    { type: 'epoch', at: 1, stage: 'fit', epoch: 1, epochs: 2, logs: { loss: 0.5, val_auc: 0.91, val_tp: 12 } },
    {
      type: 'epoch',
      at: 2,
      stage: 'fit',
      epoch: 2,
      epochs: 2,
      logs: { loss: 0.4, val_auc: Number.NaN },
      best: { monitor: 'val_auc', value: 0.91, epoch: 1 },
      patienceLeft: 1,
    },
  ];
  assert.equal(collect(events), [
    '[fit] epoch 1/2 loss=0.5000 val_auc=0.9100 val_tp=12',
    '[fit] epoch 2/2 loss=0.4000 val_auc=n/a best val_auc=0.9100 (epoch 1) patience_left=1',
  ]);
});

Logger('watch events', () => {
  assert.equal(
    collect([
      { type: 'watch-start', at: 0 },
      {
        type: 'watch-change',
        at: 0,
        changes: [
          { kind: 'add', path: 'data/n/new.png' },
          { kind: 'unlink', path: 'data/n/old.png' },
        ],
      },
      { type: 'watch-cancel', at: 0, runId: 'r2' },
      { type: 'watch-waiting', at: 0 },
      { type: 'watch-error', at: 0, error: { code: 'PIPELINE_LOAD', message: 'Unexpected token in xray.ts', fix: 'Fix the syntax error and save again.' } },
      { type: 'watch-stop', at: 0 },
    ]),
    [
      '[watch] watching the pipeline file and its inputs',
      '[watch] 2 changes: + data/n/new.png, - data/n/old.png',
      '[watch] cancelling the stale run r2',
      '[watch] waiting for changes',
      '[watch] the run could not start: PIPELINE_LOAD: Unexpected token in xray.ts. Fix: Fix the syntax error and save again.',
      '[watch] stopped',
    ],
  );
});

/** Every module reachable through relative imports from `entry`, and every bare package it names. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else
        packages.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  visit(path.resolve(entry));
  return { files, packages };
}

Logger('headless modules never reach React or Ink', () => {
  for (const entry of ['src/view/plain-logger.ts', 'src/runtime/watch.ts', 'src/dashboard/reducer.ts']) {
    const { packages, files } = importGraph(entry);
    for (const banned of ['react', 'ink', 'ink-testing-library']) assert.not.ok(packages.has(banned), `${entry} reaches ${banned}`);
    assert.ok(files.size >= 2, 'the graph walk found the imports');
  }
  assert.ok(importGraph('src/dashboard/index.ts').packages.has('ink'), 'the walk does see ink where it is');
});

Logger.run();
