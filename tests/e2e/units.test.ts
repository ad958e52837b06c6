// Units of work with the local executor (a plain run): each tune trial and each crossValidate fold
// is its own cache entry, named after the stage entry it was computed for; an interrupted grid
// resumes with the points it finished; `clean --keep-last` keeps units with their stage.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk, loadMedpipe, medpipeCli, removeDir, runCollect, tempDir, type Medpipe } from '../helpers/core.ts';
import { makeUnitData, unitBase, unitEvents, UNIT_GRID } from '../helpers/unit-pipelines.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

const Units = suite<Ctx>('units of work, local executor');

const base = (m: Medpipe) => unitBase(m, 'units', 9);
const tuned = (m: Medpipe) => base(m).stage(m.tune({ grid: UNIT_GRID, base: { epochs: 2 } }));
const crossValidated = (m: Medpipe) => base(m).stage(m.crossValidate({ folds: 3, fit: { epochs: 2, batchSize: 8 } }));
const opts = (ctx: Ctx, cache: string) => ({ cacheDir: path.join(ctx.dir, cache), outDir: path.join(ctx.dir, `out-${cache}`), baseDir: ctx.dir });

async function entriesOf(cacheDir: string) {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  return new CacheStore(cacheDir).listEntries();
}

Units.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('units');
  await makeUnitData(ctx.dir);
  // Every run below starts from the same built model (building again in this process would draw other initial weights).
  assertOk(await runCollect(base(ctx.m), opts(ctx, 'base')));
});
Units.after(async (ctx) => {
  await removeDir(ctx.dir);
});

Units('each trial and each fold is its own entry, named after its stage entry; a rerun serves the stage without touching them', async (ctx) => {
  await cp(path.join(ctx.dir, 'base'), path.join(ctx.dir, 'entries'), { recursive: true });
  const tune = await runCollect(tuned(ctx.m), opts(ctx, 'entries'));
  assertOk(tune);
  const cv = await runCollect(crossValidated(ctx.m), opts(ctx, 'entries'));
  assertOk(cv);
  const entries = await entriesOf(path.join(ctx.dir, 'entries'));
  const tuneKey = entries.find((e) => e.kind === 'tune')!.key;
  const cvKey = entries.find((e) => e.kind === 'crossValidate')!.key;
  const trials = entries.filter((e) => e.kind === 'tune.trial');
  const folds = entries.filter((e) => e.kind === 'crossValidate.fold');
  assert.is(trials.length, 4);
  assert.is(folds.length, 3);
  assert.ok(trials.every((t) => t.parent === tuneKey && t.stage === 'tune'));
  assert.ok(folds.every((f) => f.parent === cvKey && f.stage === 'crossValidate'));
  const done = unitEvents(tune.events).filter((e) => e.state === 'done');
  assert.equal(
    done.map((e) => e.unit),
    [
      'grid point 1/4: learningRate 0.03, batchSize 8',
      'grid point 2/4: learningRate 0.03, batchSize 16',
      'grid point 3/4: learningRate 0.001, batchSize 8',
      'grid point 4/4: learningRate 0.001, batchSize 16',
    ],
  );
  assert.ok(done.every((e) => e.worker === 'local'));
  assert.equal(new Set(done.map((e) => e.key)), new Set(trials.map((t) => t.key)), 'a unit event names its entry');
  const again = await runCollect(tuned(ctx.m), opts(ctx, 'entries'));
  assert.equal(unitEvents(again.events), [], 'a cached stage does not look at its units');
});

Units('an interrupted grid resumes with the points it finished, and ends as an uninterrupted one', async (ctx) => {
  await cp(path.join(ctx.dir, 'base'), path.join(ctx.dir, 'resume'), { recursive: true });
  await cp(path.join(ctx.dir, 'base'), path.join(ctx.dir, 'whole'), { recursive: true });
  const { runToCompletion } = await import('../../src/runtime/run.ts');
  const controller = new AbortController();
  let finished = 0;
  const cut = await runToCompletion(tuned(ctx.m), { ...opts(ctx, 'resume'), signal: controller.signal }, (e) => {
    if (e.type === 'unit' && e.state === 'done' && ++finished === 2) controller.abort();
  });
  assert.is(cut.ok, false, 'cancelled after two points');
  assert.is((await entriesOf(path.join(ctx.dir, 'resume'))).filter((e) => e.kind === 'tune.trial').length, 2);
  const resumed = await runCollect(tuned(ctx.m), opts(ctx, 'resume'));
  assertOk(resumed);
  const states = unitEvents(resumed.events).filter((e) => e.state === 'cached' || e.state === 'done');
  assert.equal(
    states.map((e) => e.state),
    ['cached', 'cached', 'done', 'done'],
  );
  assert.ok(states.slice(0, 2).every((e) => e.source === 'local'));
  const whole = await runCollect(tuned(ctx.m), opts(ctx, 'whole'));
  assertOk(whole);
  const results = async (cache: string) => JSON.parse(await readFile(path.join(ctx.dir, `out-${cache}`, 'tune-results.json'), 'utf8'));
  assert.equal(await results('resume'), await results('whole'));
});

Units('clean --keep-last keeps units with their stage entry and drops them with it', async (ctx) => {
  await cp(path.join(ctx.dir, 'base'), path.join(ctx.dir, 'clean'), { recursive: true });
  assertOk(await runCollect(tuned(ctx.m), opts(ctx, 'clean')));
  const other = (m: Medpipe) => base(m).stage(m.tune({ grid: { learningRate: [1e-2] }, base: { epochs: 1 } }));
  assertOk(await runCollect(other(ctx.m), opts(ctx, 'clean')));
  const cache = path.join(ctx.dir, 'clean');
  const keep = await medpipeCli(['clean', '--cache', cache, '--keep-last', '1']);
  assert.is(keep.code, 0, keep.stderr);
  const left = await entriesOf(cache);
  const tunes = left.filter((e) => e.kind === 'tune');
  assert.is(tunes.length, 1, 'the newest tune entry');
  const trials = left.filter((e) => e.kind === 'tune.trial');
  assert.is(trials.length, 1, 'its one trial; the older grid went with its entry');
  assert.is(trials[0]!.parent, tunes[0]!.key);
});

Units.run();
