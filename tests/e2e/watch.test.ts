// Watch mode end to end: the real runtime on a temp copy of a small PneumoniaMNIST slice, real
// chokidar, real cache. Needs ../shared/data (present in CI); skipped with a note otherwise.
import { suite } from 'uvu';
import { SHARED_DATA } from '../helpers/paths.ts';
import { realData, requires } from '../helpers/requires.ts';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defer, switchMap, type Subscription } from 'rxjs';
import type { RunEvent } from '../../src/runtime/events.ts';
import type { WatchEvent } from '../../src/runtime/watch-events.ts';

// Loaded with import(), as the CLI loads them: under `uvu -r tsx` static imports go through the
// CommonJS hook while the runtime's own lazy imports go through the ESM loader, and two copies of
// MedpipeError would break `instanceof` (a cancelled fit would read as an INTERNAL error).
type Watch = typeof import('../../src/runtime/watch.ts');
type Run = typeof import('../../src/runtime/run.ts');
type Load = typeof import('../../src/cli/load-pipeline.ts');
let watchFiles: Watch['watchFiles'], watchRuns: Watch['watchRuns'];
let pipelineInputs: Run['pipelineInputs'], runPipeline: Run['runPipeline'];
let loadPipelineFile: Load['loadPipelineFile'];

const SOURCE = path.join(SHARED_DATA, 'pneumoniamnist', 'images');
const PER_CLASS = { train: 16, val: 6, test: 6 } as const;

interface Ctx {
  dir: string;
  file: string;
  events: { event: RunEvent | WatchEvent; t: number }[];
  stop: AbortController;
  sub?: Subscription;
  done?: Promise<void>;
}

const E2E = suite<Ctx>('watch mode end to end (real runtime, temp data slice)');

function pipelineSource(epochs: number, comment = '', earlyStopping = true): string {
  const entry = pathToFileURL(path.resolve('src/index.ts')).href;
  return `// watch-e2e pipeline${comment}
import { pipeline, ingest, normalize, split, build, fit, evaluate } from '${entry}';

export default pipeline('watch-e2e', { seed: 7 })
  .stage(ingest.folder({ root: 'data', size: [28, 28], channels: 1 }))
  .stage(normalize())
  .stage(split())
  .stage(build.tutorialCnn({ filters: [4, 2] }))
  .stage(fit({ epochs: ${epochs}, batchSize: 8${earlyStopping ? '' : ', earlyStopping: false'} }))
  .stage(evaluate({ png: false }));
`;
}

E2E.before(async (ctx) => {
  ({ watchFiles, watchRuns } = await import('../../src/runtime/watch.ts'));
  ({ pipelineInputs, runPipeline } = await import('../../src/runtime/run.ts'));
  ({ loadPipelineFile } = await import('../../src/cli/load-pipeline.ts'));
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-watch-e2e-'));
  ctx.file = path.join(ctx.dir, 'pipeline.ts');
  if (!existsSync(SOURCE)) return;
  for (const [splitName, n] of Object.entries(PER_CLASS)) {
    for (const label of ['normal', 'pneumonia']) {
      const from = path.join(SOURCE, splitName, label);
      const to = path.join(ctx.dir, 'data', splitName, label);
      await mkdir(to, { recursive: true });
      for (const name of (await readdir(from)).sort().slice(0, n)) await copyFile(path.join(from, name), path.join(to, name));
    }
  }
  // A user's project is an ES module package; without this tsx loads the .ts file as CommonJS.
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(ctx.file, pipelineSource(2));
  ctx.events = [];
  ctx.stop = new AbortController();
  const first = await loadPipelineFile(ctx.file);
  const options = { cacheDir: path.join(ctx.dir, 'cache'), outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir };
  let ready!: () => void;
  const watching = new Promise<void>((r) => (ready = r));
  const changes = watchFiles([ctx.file, ...pipelineInputs(first, ctx.dir)], { onReady: ready, stableMs: 100 });
  const events$ = watchRuns(
    changes,
    (signal) => defer(() => loadPipelineFile(ctx.file, { fresh: true })).pipe(switchMap((p) => runPipeline(p, { ...options, signal }))),
    { debounceMs: 150, signal: ctx.stop.signal },
  );
  ctx.done = new Promise((resolve, reject) => {
    ctx.sub = events$.subscribe({ next: (event) => ctx.events.push({ event, t: Date.now() }), error: reject, complete: resolve });
  });
  await watching;
});

E2E.after(async (ctx) => {
  ctx.stop?.abort();
  await Promise.race([ctx.done, new Promise((r) => setTimeout(r, 10_000))]);
  ctx.sub?.unsubscribe();
  await rm(ctx.dir, { recursive: true, force: true });
});

const runs = (ctx: Ctx) => ctx.events.filter((e) => e.event.type === 'run-done').length;

async function until(ctx: Ctx, what: string, predicate: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}; last events: ${ctx.events
          .slice(-8)
          .map((e) => e.event.type)
          .join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The events of run number `n` (1-based): from its run-start to its run-done. */
function runEvents(ctx: Ctx, n: number): (RunEvent | WatchEvent)[] {
  const starts = ctx.events.map((e, i) => (e.event.type === 'run-start' ? i : -1)).filter((i) => i >= 0);
  const from = starts[n - 1];
  if (from === undefined) return [];
  const to = ctx.events.findIndex((e, i) => i > from && e.event.type === 'run-done');
  return ctx.events.slice(from, to === -1 ? undefined : to + 1).map((e) => e.event);
}

/** The ingest stage's summary log line ("129 files: 1 decoded, 128 from the per-file cache"). */
function decodeLogOf(events: (RunEvent | WatchEvent)[]): string {
  const line = events.find((e) => e.type === 'log' && e.stage === 'ingest' && /decoded/.test(e.message));
  return line?.type === 'log' ? line.message : '(no ingest decode log)';
}

const cachedStages = (events: (RunEvent | WatchEvent)[]) => events.flatMap((e) => (e.type === 'stage-cached' ? [e.stage] : []));
const startedStages = (events: (RunEvent | WatchEvent)[]) => events.flatMap((e) => (e.type === 'stage-start' ? [e.stage] : []));

requires(E2E, realData('pneumoniamnist', 'images'))(
  'initial run; an image added, changed, deleted; an epochs change; a comment-only edit; a change mid-fit; stop',
  async (ctx) => {
    // 1. The first run trains everything.
    await until(ctx, 'the first run', () => runs(ctx) === 1);
    const first = runEvents(ctx, 1);
    assert.equal(startedStages(first), ['ingest', 'normalize', 'split', 'build', 'fit', 'evaluate']);
    assert.ok(first.at(-1)?.type === 'run-done' && first.at(-1)?.type === 'run-done' && (first.at(-1) as Extract<RunEvent, { type: 'run-done' }>).ok);

    // 2. One new PNG: only it is decoded; everything downstream reruns, fit included.
    const newImage = path.join(ctx.dir, 'data', 'train', 'normal', 'zz_new.png');
    const extra = (await readdir(path.join(SOURCE, 'train', 'normal'))).sort()[100];
    const copiedAt = Date.now();
    await copyFile(path.join(SOURCE, 'train', 'normal', extra), newImage);
    await until(ctx, 'the run after the new image', () => runs(ctx) === 2);
    const second = runEvents(ctx, 2);
    const change = ctx.events.find((e) => e.event.type === 'watch-change')?.event;
    assert.equal(change?.type === 'watch-change' && change.changes, [{ kind: 'add', path: newImage }]);
    const ingestStart = second.find((e) => e.type === 'stage-start' && e.stage === 'ingest');
    assert.equal(ingestStart?.type === 'stage-start' && ingestStart.reasons.map((r) => r.kind), ['files']);
    assert.match(decodeLogOf(second), /\b1 decoded\b/, 'only the new image is decoded');
    assert.ok(startedStages(second).includes('fit'));
    const fitStartedAt = ctx.events.find((e) => e.event.type === 'stage-start' && e.event.stage === 'fit' && e.t > copiedAt)!.t;
    // How soon is printed for information; a shared machine's clock decides no test. What must hold
    // is the order: the change, then that run's ingest, then its fit, with no other run between.
    console.log(`  new image → fit running after ${fitStartedAt - copiedAt} ms`);
    const order = second.flatMap((e) => (e.type === 'stage-start' ? [e.stage] : []));
    assert.ok(order.indexOf('ingest') === 0 && order.indexOf('fit') > 0, `stages of the second run: ${order.join(', ')}`);

    // 2b. Changing one image's bytes re-decodes it alone; deleting it decodes nothing.
    const other = (await readdir(path.join(SOURCE, 'train', 'normal'))).sort()[101];
    await copyFile(path.join(SOURCE, 'train', 'normal', other), newImage);
    await until(ctx, 'the run after changing the image', () => runs(ctx) === 3);
    const changedRun = runEvents(ctx, 3);
    const changedStart = changedRun.find((e) => e.type === 'stage-start' && e.stage === 'ingest');
    assert.ok(changedStart?.type === 'stage-start' && changedStart.reasons.some((r) => r.kind === 'files' && r.changed === 1 && r.added === 0));
    assert.match(decodeLogOf(changedRun), /\b1 decoded\b/);
    // Deleting it again brings back the first run's data: every stage is served from cache.
    await rm(newImage);
    await until(ctx, 'the run after deleting the new image', () => runs(ctx) === 4);
    const keysOf = (events: (RunEvent | WatchEvent)[]) =>
      events.flatMap((e) => (e.type === 'stage-cached' || e.type === 'stage-done' ? [`${e.stage}:${e.key}`] : []));
    assert.equal(keysOf(runEvents(ctx, 4)), keysOf(first));
    assert.equal(startedStages(runEvents(ctx, 4)), []);
    // Deleting an original image decodes nothing and reruns everything downstream of ingest.
    const original = path.join(ctx.dir, 'data', 'train', 'pneumonia', (await readdir(path.join(ctx.dir, 'data', 'train', 'pneumonia'))).sort()[0]);
    await rm(original);
    await until(ctx, 'the run after deleting an original image', () => runs(ctx) === 5);
    const deletedRun = runEvents(ctx, 5);
    const deletedStart = deletedRun.find((e) => e.type === 'stage-start' && e.stage === 'ingest');
    assert.ok(deletedStart?.type === 'stage-start' && deletedStart.reasons.some((r) => r.kind === 'files' && r.removed === 1));
    assert.match(decodeLogOf(deletedRun), /\b0 decoded\b/);
    assert.ok(startedStages(deletedRun).includes('fit'));

    // 3. epochs changed: the data stages come from cache, fit reruns and says why.
    await writeFile(ctx.file, pipelineSource(3));
    await until(ctx, 'the run after the epochs change', () => runs(ctx) === 6);
    const third = runEvents(ctx, 6);
    assert.equal(cachedStages(third), ['ingest', 'normalize', 'split', 'build']);
    const fitStart = third.find((e) => e.type === 'stage-start' && e.stage === 'fit');
    assert.ok(fitStart?.type === 'stage-start' && fitStart.reasons.some((r) => r.kind === 'config' && r.fields.includes('epochs')));

    // 4. A comment-only edit reloads the file but reruns nothing.
    await writeFile(ctx.file, pipelineSource(3, ' (only this comment changed)'));
    await until(ctx, 'the run after the comment edit', () => runs(ctx) === 7);
    const fourth = runEvents(ctx, 7);
    assert.equal(startedStages(fourth), []);
    assert.equal(cachedStages(fourth), ['ingest', 'normalize', 'split', 'build', 'fit', 'evaluate']);

    // 5. A change while fit is running cancels that run; the next starts only once it has settled.
    await writeFile(ctx.file, pipelineSource(500, '', false)); // minutes of training if nothing stopped it
    await until(ctx, 'fit batches of the long run', () => runEvents(ctx, 8).some((e) => e.type === 'batch'), 60_000);
    await writeFile(ctx.file, pipelineSource(4));
    await until(ctx, 'the run after the mid-fit change', () => runs(ctx) === 9);
    const cancel = ctx.events.findIndex((e) => e.event.type === 'watch-cancel');
    assert.ok(cancel > 0, 'the stale run was cancelled');
    const fifth = runEvents(ctx, 8);
    const fifthDone = fifth.at(-1);
    assert.ok(fifthDone?.type === 'run-done' && !fifthDone.ok && fifthDone.error?.code === 'CANCELLED', 'the stale run ended as cancelled');
    let open = 0;
    for (const { event } of ctx.events) {
      if (event.type === 'run-start') open += 1;
      if (event.type === 'run-done') open -= 1;
      assert.ok(open <= 1, 'two runs never overlap');
    }
    const sixth = runEvents(ctx, 9);
    const sixthDone = sixth.at(-1);
    assert.ok(sixthDone?.type === 'run-done' && sixthDone.ok, 'the run after a cancel finds a consistent cache');
    assert.equal(cachedStages(sixth), ['ingest', 'normalize', 'split', 'build']);

    // 6. Stop: no new runs, the stream completes.
    ctx.stop.abort();
    await ctx.done;
    assert.is(ctx.events.at(-1)?.event.type, 'watch-stop');
    assert.is(runs(ctx), 9);
    assert.ok((await readFile(ctx.file, 'utf8')).includes('epochs: 4'));
  },
);

E2E.run();
