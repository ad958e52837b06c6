// `medpipe worker` processes for tests: spawned from bin/medpipe.js on a test's Redis, with short
// job locks (a killed worker's job is retried within seconds) and the thread count of the test process
// (the native backend's float rounding depends on it: equal threads give bit-identical results).
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.ts';
import { reapWithThisProcess } from './reaper.ts';

export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  readonly proc: ChildProcess;
  /** Everything it printed so far. */
  log(): string;
  /** SIGTERM (finishes its jobs) or SIGKILL, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export const LOCK_MS = 2000;

export async function startWorker(
  redis: string,
  cacheDir: string,
  options: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'medpipe.js'), 'worker', '--redis', redis, '--cache', cacheDir, ...(options.args ?? [])], {
    cwd: ROOT,
    env: {
      ...process.env,
      MEDPIPE_WORKER_LOCK_MS: String(LOCK_MS),
      MEDPIPE_THREADS: process.env.MEDPIPE_THREADS ?? String(availableParallelism()),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapWithThisProcess(proc.pid);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${out}`)), 30_000);
    const check = () => {
      if (/ready: /.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}): ${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    name: `${hostname()}:${proc.pid}`,
    pid: proc.pid!,
    proc,
    log: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}
