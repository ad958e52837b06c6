import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import type { RemoteOptions } from '../../../remote/open-remote.ts';
import { openCache } from '../../session.ts';
import { redactUrl } from '../lazy-bullmq.ts';
import { connectionOptions, DEFAULT_QUEUE, type UnitJobData, type UnitJobResult } from './jobs.ts';
import type { WorkerSettings } from './process-job.ts';

export interface WorkerOptions {
  readonly redis: string;
  /** Jobs at once, each in its own sandboxed process. @default 1 */
  readonly concurrency?: number;
  /** The worker's own cache. @default $MEDPIPE_CACHE, else ./cache */
  readonly cacheDir?: string;
  readonly remote?: RemoteOptions;
  /** @default $MEDPIPE_QUEUE, else 'medpipe-units' */
  readonly queue?: string;
  /**
   * How long a job's lock lasts without renewal; a worker silent this long is taken for dead and
   * its job goes back to the queue. @default $MEDPIPE_WORKER_LOCK_MS, else 30000
   */
  readonly lockMs?: number;
}

/**
 * How BullMQ forks a job process. A one-thread job (MEDPIPE_THREADS=1: a worker per core, or
 * `--concurrency` = cores) collects its garbage on its own thread (`--single-threaded-gc`): V8's
 * parallel and concurrent GC otherwise runs on four helper threads that used about a quarter more
 * CPU than the job's own thread: free on an idle core, but taken from the neighbouring job when
 * every core has one (measured on PneumoniaMNIST, two trainings of 4 grid points side by side: 35.1 s
 * with parallel GC, 33.5 s with single-threaded GC; one alone 28.8 s vs 31.8 s; docs/distributed.md).
 * Jobs of several threads keep V8's default.
 */
export function jobForkOptions(threads = Number(process.env.MEDPIPE_THREADS) || availableParallelism()): { execArgv: string[] } | undefined {
  if (threads !== 1) return undefined;
  // BullMQ's default execArgv is the worker's own, with debugger flags given a port of their own; none here.
  return { execArgv: [...process.execArgv.filter((flag) => !flag.startsWith('--inspect')), '--single-threaded-gc'] };
}

/**
 * `medpipe worker`: takes units off the queue and runs each in a sandboxed child process (BullMQ's
 * sandboxed processors), so training never blocks the event loop that renews the job's lock.
 * @example
 *   const worker = await startWorker({ redis: 'redis://10.0.0.5:6379', concurrency: 2 }, console.log);
 */
export async function startWorker(options: WorkerOptions, log: (line: string) => void): Promise<{ readonly name: string; close(): Promise<void> }> {
  const name = `${hostname()}:${process.pid}`;
  const cacheDir = resolve(options.cacheDir ?? process.env.MEDPIPE_CACHE ?? 'cache');
  // Checks the remote settings (keys, mode) here, where an error can stop the worker before any job.
  openCache(cacheDir, options.remote);
  const settings: WorkerSettings = { redis: options.redis, cacheDir, remote: options.remote };
  // The sandboxed children inherit the environment at fork time.
  process.env.MEDPIPE_WORKER_NAME = name;
  process.env.MEDPIPE_WORKER_SETTINGS = JSON.stringify(settings);
  const lockDuration = options.lockMs ?? (Number(process.env.MEDPIPE_WORKER_LOCK_MS) || 30_000);
  const forkOptions = jobForkOptions();
  const queue = options.queue ?? process.env.MEDPIPE_QUEUE ?? DEFAULT_QUEUE;
  const worker = new Worker<UnitJobData, UnitJobResult>(queue, fileURLToPath(new URL('./sandbox.mjs', import.meta.url)), {
    connection: connectionOptions(options.redis),
    concurrency: options.concurrency ?? 1,
    useWorkerThreads: false,
    ...(forkOptions ? { workerForkOptions: forkOptions } : {}),
    lockDuration,
    stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
    // A job whose worker died goes back to the queue; a job that kills every worker it meets fails.
    maxStalledCount: 2,
  });
  const what = (data: UnitJobData) => `${data.label} (${data.pipeline}/${data.stage}, key ${data.key.slice(0, 10)})`;
  worker.on('active', (job) => log(`${what(job.data)}: started`));
  worker.on('completed', (job, result) =>
    log(`${what(job.data)}: ${result.cached ? `served from the ${result.cached} cache` : `done in ${(result.ms / 1000).toFixed(1)} s`}`),
  );
  worker.on('failed', (job, error) => job && log(`${what(job.data)}: failed (attempt ${job.attemptsMade}): ${error.message.split('\n')[0]}`));
  let lastError = '';
  worker.on('error', (error) => {
    if (error.message !== lastError) log(`redis: ${(lastError = error.message)} (reconnecting)`);
  });
  await worker.waitUntilReady();
  log(
    `worker ${name} ready: ${redactUrl(options.redis)}, queue ${queue}, ${options.concurrency ?? 1} job(s) at once, cache ${cacheDir}${options.remote ? `, remote ${options.remote.url} (${options.remote.mode ?? 'read'})` : ''}`,
  );
  return { name, close: () => worker.close() };
}
