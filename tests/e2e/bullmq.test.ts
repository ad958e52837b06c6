// The BullMQ executor on a Redis of its own (loopback) with `medpipe worker` processes: tune trials
// and crossValidate folds run on the workers with the same results as in this process, every
// worker's progress reaches the run's events, the same work submitted again is one job, and the
// faults: a worker SIGKILLed mid-trial (its job is retried on another, one entry per trial), a worker
// killed mid-upload (no remote entry points at a missing blob), Redis restarted mid-run (the run
// completes), a worker that finds a trial in the remote cache returns it without training; and no
// process outlives its parent: a worker's job processes end when it is SIGKILLed mid-training, and a
// worker and its jobs end when the process that started it (a test runner) is.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunEvent } from '../../src/runtime/events.ts';
import type { RunOptions } from '../../src/runtime/run.ts';
import { assertOk, loadMedpipe, removeDir, runCollect, tempDir, type Medpipe } from '../helpers/core.ts';
import { redisServer, startRedis, type RedisInstance } from '../helpers/redis.ts';
import { danglingEntries, makeKeys, type Keys } from '../helpers/remote.ts';
import { ROOT } from '../helpers/paths.ts';
import { childPids, survivors } from '../helpers/processes.ts';
import { reapWithThisProcess } from '../helpers/reaper.ts';
import { requires } from '../helpers/requires.ts';
import { makeUnitData, unitBase, unitEvents, UNIT_GRID } from '../helpers/unit-pipelines.ts';
import { startWorker, type WorkerProcess } from '../helpers/workers.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
  redis: RedisInstance;
  keys: Keys;
  workers: WorkerProcess[];
}

const Mq = suite<Ctx>('BullMQ executor and workers');
const it = requires(Mq, redisServer());

const base = (m: Medpipe) => unitBase(m, 'mq', 11);
const tuned = (m: Medpipe, epochs = 2) => base(m).stage(m.tune({ grid: UNIT_GRID, base: { epochs } }));
const crossValidated = (m: Medpipe) => base(m).stage(m.crossValidate({ folds: 3, fit: { epochs: 2, batchSize: 8 } }));

/** A cache that starts with the same built model as every other (building again in this process would draw other weights). */
async function fromBase(ctx: Ctx, name: string, extra: Partial<RunOptions> = {}): Promise<RunOptions> {
  await cp(path.join(ctx.dir, 'base'), path.join(ctx.dir, name), { recursive: true });
  return { cacheDir: path.join(ctx.dir, name), outDir: path.join(ctx.dir, `out-${name}`), baseDir: ctx.dir, ...extra };
}

let workerCount = 0;

async function twoWorkers(ctx: Ctx, options: Parameters<typeof startWorker>[2][] = [{}, {}], redis = ctx.redis.url): Promise<WorkerProcess[]> {
  const started = await Promise.all(options.map((o) => startWorker(redis, path.join(ctx.dir, `worker-cache-${++workerCount}`), o)));
  ctx.workers.push(...started);
  return started;
}

async function stopAll(ctx: Ctx): Promise<void> {
  await Promise.all(ctx.workers.map((w) => w.stop('SIGKILL')));
  ctx.workers = [];
}

async function trialEntries(cacheDir: string) {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  return (await new CacheStore(cacheDir).listEntries()).filter((e) => e.kind === 'tune.trial');
}

const tuneResults = async (ctx: Ctx, name: string) => JSON.parse(await readFile(path.join(ctx.dir, `out-${name}`, 'tune-results.json'), 'utf8'));

Mq.before(async (ctx) => {
  ctx.workers = [];
  if (!redisServer().ok) return;
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('bullmq');
  ctx.keys = await makeKeys(ctx.dir);
  await makeUnitData(ctx.dir);
  assertOk(await runCollect(base(ctx.m), { cacheDir: path.join(ctx.dir, 'base'), outDir: path.join(ctx.dir, 'out-base'), baseDir: ctx.dir }));
  ctx.redis = await startRedis();
});
Mq.after.each(async (ctx) => {
  await stopAll(ctx);
});
Mq.after(async (ctx) => {
  await ctx.redis?.dispose();
  await removeDir(ctx.dir);
});

it('trials and folds run on two workers with the results of this process; progress names each worker; the same work again is one job', async (ctx) => {
  const local = await runCollect(tuned(ctx.m), await fromBase(ctx, 'local'));
  assertOk(local);
  const localCv = await runCollect(crossValidated(ctx.m), await fromBase(ctx, 'local-cv'));
  assertOk(localCv);
  const [a, b] = await twoWorkers(ctx);
  const remote = await runCollect(tuned(ctx.m), await fromBase(ctx, 'mq', { redis: ctx.redis.url }));
  assertOk(remote);
  assert.equal(await tuneResults(ctx, 'mq'), await tuneResults(ctx, 'local'), 'same winner, same per-point metrics');
  const events = unitEvents(remote.events);
  const workers = new Set(events.filter((e) => e.state === 'done').map((e) => e.worker));
  assert.equal(workers, new Set([a!.name, b!.name]), 'both workers took trials');
  assert.ok(
    events.some((e) => e.state === 'running' && e.epoch === 1 && e.logs && 'val_auc' in e.logs),
    'live epochs with metrics',
  );
  assert.ok(events.filter((e) => e.state === 'queued').length === 4);
  const cv = await runCollect(crossValidated(ctx.m), await fromBase(ctx, 'mq-cv', { redis: ctx.redis.url }));
  assertOk(cv);
  const cvFile = async (name: string) => readFile(path.join(ctx.dir, `out-${name}`, 'cv-metrics.json'), 'utf8');
  assert.is(await cvFile('mq-cv'), await cvFile('local-cv'), 'the same folds and metrics');
  const perFold = (JSON.parse(await cvFile('mq-cv')) as { perFold: { normalization: { mean: number[] }[] }[] }).perFold;
  assert.ok(
    perFold.every((f) => f.normalization.length === 1 && Number.isFinite(f.normalization[0]!.mean[0])),
    'each fold refitted the z-score on its worker',
  );
  assert.is(new Set(perFold.map((f) => f.normalization[0]!.mean[0])).size, 3, 'on its own rows');
  // The same grid from a third, clean coordinator: the finished jobs answer, no worker trains again.
  const started = (w: WorkerProcess) => (w.log().match(/: started/g) ?? []).length;
  const before = [started(a!), started(b!)];
  const again = await runCollect(tuned(ctx.m), await fromBase(ctx, 'mq-again', { redis: ctx.redis.url }));
  assertOk(again);
  assert.equal([started(a!), started(b!)], before, 'no new job started');
  assert.equal(await tuneResults(ctx, 'mq-again'), await tuneResults(ctx, 'local'));
});

it('a worker SIGKILLed mid-trial: the job is retried on another worker, the run completes, one entry per trial', async (ctx) => {
  const [a, b] = await twoWorkers(ctx);
  const byName = new Map([a!, b!].map((w) => [w.name, w]));
  const { runToCompletion } = await import('../../src/runtime/run.ts');
  const events: RunEvent[] = [];
  let victim: WorkerProcess | undefined;
  const options = await fromBase(ctx, 'kill', { redis: ctx.redis.url });
  const done = await runToCompletion(tuned(ctx.m, 4), options, (e) => {
    events.push(e);
    if (!victim && e.type === 'unit' && e.state === 'running' && e.epoch === 1 && byName.has(e.worker!)) {
      victim = byName.get(e.worker!)!;
      process.kill(victim.pid, 'SIGKILL');
    }
  });
  assert.ok(done.ok, JSON.stringify(done.error));
  assert.ok(victim, 'a worker was killed mid-trial');
  const units = unitEvents(events);
  const survivor = [a!, b!].find((w) => w !== victim)!;
  assert.ok(
    units.some((e) => e.state === 'retrying'),
    'the lost job was noticed',
  );
  const finishers = units.filter((e) => e.state === 'done');
  assert.is(finishers.length, 4);
  assert.ok(finishers.every((e) => e.worker === survivor.name || e.worker === victim!.name));
  const trials = await trialEntries(options.cacheDir!);
  assert.is(trials.length, 4, 'one entry per trial');
  assert.is(new Set(trials.map((t) => t.key)).size, 4);
  assert.equal(
    await tuneResults(ctx, 'kill'),
    (await runCollect(tuned(ctx.m, 4), await fromBase(ctx, 'kill-local'))).done.ok ? await tuneResults(ctx, 'kill-local') : undefined,
  );
});

it('a worker killed mid-upload to the remote cache: its job finishes on another worker, no remote entry points at a missing blob', async (ctx) => {
  const remote = `file://${path.join(ctx.dir, 'upload-remote')}`;
  const flags = ['--remote', remote, '--remote-mode', 'readwrite', '--remote-key', ctx.keys.a];
  const [crashing] = await twoWorkers(ctx, [{ args: flags, env: { MEDPIPE_CRASH_AFTER: 'upload:2', MEDPIPE_CRASH_PARENT: '1' } }, { args: flags }]);
  const run = await runCollect(tuned(ctx.m, 3), await fromBase(ctx, 'upload', { redis: ctx.redis.url }));
  assertOk(run);
  // Its job process died after its second upload and took the worker with it (its last words may not
  // make it through the dead worker's pipe): the job it had was finished by the other worker.
  assert.is(crashing!.proc.signalCode, 'SIGKILL', 'the whole worker died');
  assert.match(crashing!.log(), /: started/);
  assert.not.match(crashing!.log(), /done in/);
  assert.equal(await danglingEntries(path.join(ctx.dir, 'upload-remote')), []);
  assert.is((await trialEntries(path.join(ctx.dir, 'upload'))).length, 4);
});

for (const persist of [true, false]) {
  it(`Redis restarted mid-run ${persist ? 'with its append-only file' : 'without persistence (the jobs are lost and submitted again)'}: the coordinator and the workers reconnect and the run completes`, async (ctx) => {
    const redis = persist ? ctx.redis : await startRedis({ persist: false });
    const epochs = persist ? 5 : 6;
    try {
      await twoWorkers(ctx, [{}, {}], redis.url);
      const { runToCompletion } = await import('../../src/runtime/run.ts');
      let restarting: Promise<void> | undefined;
      const events: RunEvent[] = [];
      const done = await runToCompletion(tuned(ctx.m, epochs), await fromBase(ctx, `restart-${persist}`, { redis: redis.url }), (e) => {
        events.push(e);
        if (!restarting && e.type === 'unit' && e.state === 'running' && e.epoch === 1) {
          restarting = (async () => {
            await redis.stop('SIGKILL');
            await new Promise((resolve) => setTimeout(resolve, 1500));
            await redis.start();
          })();
        }
      });
      await restarting;
      assert.ok(done.ok, JSON.stringify(done.error));
      assert.ok(restarting, 'Redis was restarted during the run');
      assert.is(unitEvents(events).filter((e) => e.state === 'done' || e.state === 'cached').length, 4);
      if (!persist)
        assert.ok(
          events.some((e) => e.type === 'log' && /gone from Redis .*submitting it again/.test(e.message)),
          'lost jobs were submitted again',
        );
      assertOk(await runCollect(tuned(ctx.m, epochs), await fromBase(ctx, `restart-local-${persist}`)));
      assert.equal(await tuneResults(ctx, `restart-${persist}`), await tuneResults(ctx, `restart-local-${persist}`));
    } finally {
      if (!persist) await redis.dispose();
    }
  });
}

it('a worker that finds a trial in the remote cache returns it without training', async (ctx) => {
  const remote = `file://${path.join(ctx.dir, 'shared-remote')}`;
  // Trusted CI filled the remote (here: a plain run in readwrite mode).
  // (One epoch: a grid no earlier test queued, so no finished job in Redis answers for it.)
  assertOk(await runCollect(tuned(ctx.m, 1), await fromBase(ctx, 'ci', { remote: { url: remote, mode: 'readwrite', key: ctx.keys.a } })));
  await twoWorkers(ctx, [{ args: ['--remote', remote, '--remote-trust', ctx.keys.aPub] }]);
  const run = await runCollect(tuned(ctx.m, 1), await fromBase(ctx, 'from-remote', { redis: ctx.redis.url }));
  assertOk(run);
  const finished = unitEvents(run.events).filter((e) => e.state === 'cached' || e.state === 'done');
  assert.equal(
    finished.map((e) => [e.state, e.source, e.message]),
    Array(4).fill(['cached', 'worker', "from the worker's remote cache"]),
  );
  assert.not.match(ctx.workers[0]!.log(), /done in/, 'no trial trained');
  assert.equal(await tuneResults(ctx, 'from-remote'), await tuneResults(ctx, 'ci'));
});

it('ingest shard jobs run on the workers (files read on the shared path, shards back by hash) with the manifest of a local ingest; the same files again are the finished jobs', async (ctx) => {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  const ingested = () => ctx.m.pipeline('mq-ingest', { seed: 11 }).stage(ctx.m.ingest.folder({ root: 'data', channels: 1, size: [8, 8] }));
  const entryOf = async (cache: string) => {
    const store = new CacheStore(path.join(ctx.dir, cache));
    const entry = await store.get((await store.readIndex('mq-ingest', 'ingest'))!.key);
    return { key: entry!.key, output: entry!.outputHash, refs: entry!.refs };
  };
  // 48 files in jobs of about 4: a dozen units.
  const before = process.env.MEDPIPE_SHARD_FILES;
  process.env.MEDPIPE_SHARD_FILES = '4';
  try {
    assertOk(await runCollect(ingested(), { cacheDir: path.join(ctx.dir, 'ingest-local'), outDir: path.join(ctx.dir, 'out-ingest-local'), baseDir: ctx.dir }));
    const [a, b] = await twoWorkers(ctx);
    const run = await runCollect(ingested(), {
      cacheDir: path.join(ctx.dir, 'ingest-mq'),
      outDir: path.join(ctx.dir, 'out-ingest-mq'),
      baseDir: ctx.dir,
      redis: ctx.redis.url,
    });
    assertOk(run);
    const done = unitEvents(run.events).filter((e) => e.state === 'done');
    assert.ok(done.length >= 6 && done.every((e) => /^shard job \d+\/\d+ \(\d+ files\)$/.test(e.unit)), `shard jobs as units: ${done.map((e) => e.unit)}`);
    assert.equal(new Set(done.map((e) => e.worker)), new Set([a!.name, b!.name]), 'both workers took shard jobs');
    const local = await entryOf('ingest-local');
    const remote = await entryOf('ingest-mq');
    assert.is(remote.key, local.key, 'the same stage key');
    assert.is(remote.output, local.output, 'the same manifest');
    assert.equal(remote.refs, local.refs, 'the same shards');
    assert.is(
      (await new CacheStore(path.join(ctx.dir, 'ingest-mq')).listEntries()).filter((e) => e.kind === 'ingest.shards').length,
      done.length,
      'each shard job is its own cache entry',
    );
    // A clean coordinator: the finished jobs answer, no worker reads a file again.
    const started = (w: WorkerProcess) => (w.log().match(/: started/g) ?? []).length;
    const count = [started(a!), started(b!)];
    const again = await runCollect(ingested(), {
      cacheDir: path.join(ctx.dir, 'ingest-mq-again'),
      outDir: path.join(ctx.dir, 'out-ingest-mq-again'),
      baseDir: ctx.dir,
      redis: ctx.redis.url,
    });
    assertOk(again);
    assert.equal([started(a!), started(b!)], count, 'no new job started');
    assert.is((await entryOf('ingest-mq-again')).output, local.output);
  } finally {
    if (before === undefined) delete process.env.MEDPIPE_SHARD_FILES;
    else process.env.MEDPIPE_SHARD_FILES = before;
  }
});

/**
 * Starts a long one-point grid on `redis`, and once `workerPid`'s job process trains (epoch 1 came
 * back) calls `kill`; returns the job processes the worker had then. The run is aborted afterwards.
 */
async function killMidTraining(ctx: Ctx, redis: string, workerPid: number, kill: () => void, name: string): Promise<number[]> {
  const { runToCompletion } = await import('../../src/runtime/run.ts');
  const aborting = new AbortController();
  let jobs: number[] | undefined;
  const long = base(ctx.m).stage(ctx.m.tune({ grid: { learningRate: [2e-2] }, base: { epochs: 400 } }));
  const run = runToCompletion(long, { ...(await fromBase(ctx, name, { redis })), signal: aborting.signal }, (e) => {
    if (!jobs && e.type === 'unit' && e.state === 'running' && e.epoch === 1) {
      jobs = childPids(workerPid);
      kill();
      aborting.abort();
    }
  });
  await run;
  assert.ok(jobs && jobs.length === 1, `the worker had its job process when killed: ${jobs}`);
  return jobs!;
}

it('no orphans: job processes end within seconds of their worker being SIGKILLed mid-training; a worker and its jobs end when the process that started it is SIGKILLed', async (ctx) => {
  // Each case on a Redis of its own: the job a dead worker leaves behind stays out of the next case.
  const redis = [await startRedis({ persist: false }), await startRedis({ persist: false })];
  try {
    // A one-thread worker: its job process collects garbage on its own thread (no V8 helper threads taking a second core).
    const [worker] = await twoWorkers(ctx, [{ env: { MEDPIPE_THREADS: '1' } }], redis[0]!.url);
    let flags: string[] = [];
    const jobs = await killMidTraining(
      ctx,
      redis[0]!.url,
      worker!.pid,
      () => {
        flags = childPids(worker!.pid).flatMap((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
        process.kill(worker!.pid, 'SIGKILL');
      },
      'orphan-worker',
    );
    assert.ok(flags.includes('--single-threaded-gc'), `a one-thread job process runs with --single-threaded-gc: ${flags.join(' ')}`);
    assert.equal(await survivors(jobs, 5000), [], 'the job process ended with its worker');

    // A test runner stand-in starts a worker as tests do, and is SIGKILLed (no after hook runs).
    const host = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'tests', 'helpers', 'worker-host.ts'), redis[1]!.url, path.join(ctx.dir, 'host-cache')],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    reapWithThisProcess(host.pid);
    const hosted = Number(await new Promise<string>((resolve) => host.stdout!.once('data', (d) => resolve(String(d)))));
    const hostedJobs = await killMidTraining(
      ctx,
      redis[1]!.url,
      hosted,
      () => {
        flags = childPids(hosted).flatMap((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
        host.kill('SIGKILL');
      },
      'orphan-host',
    );
    const oneThread = (Number(process.env.MEDPIPE_THREADS) || availableParallelism()) === 1;
    assert.is(flags.includes('--single-threaded-gc'), oneThread, `jobs of ${oneThread ? 'one thread' : 'several threads'}: ${flags.join(' ')}`);
    assert.equal(await survivors([hosted, ...hostedJobs], 5000), [], 'the worker and its job process ended with the process that started them');
  } finally {
    await Promise.all(redis.map((r) => r.dispose()));
  }
});

Mq.run();
