/**
 * Where ingest jobs and loader batches run: a process-wide pool of worker threads (one per core by
 * default, MEDPIPE_WORKERS=n to choose, 0 for none), or inline on the calling thread. Both run the
 * same task functions (tasks.ts), so a result never depends on where it was computed. Workers start
 * on first use and keep the process alive only while they have work.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { crashCounter } from '../../base/crash-point.ts';
import { MedpipeError, type MedpipeErrorCode } from '../../base/errors.ts';
import type { TaskInput, TaskName, TaskOutput } from './tasks.ts';

export interface TaskPool {
  /** Worker threads (0: tasks run inline). */
  readonly size: number;
  run<K extends TaskName>(kind: K, input: TaskInput<K>): Promise<TaskOutput<K>>;
}

interface WireError {
  readonly code?: MedpipeErrorCode;
  readonly message: string;
  readonly file?: string;
  readonly fix?: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof MedpipeError) return { code: error.code, message: error.message, ...(error.file ? { file: error.file } : {}), ...(error.fix ? { fix: error.fix } : {}) };
  return { message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

function fromWireError(error: WireError): Error {
  if (error.code) return new MedpipeError(error.code, error.message, { ...(error.file ? { file: error.file } : {}), ...(error.fix ? { fix: error.fix } : {}) });
  return new MedpipeError('INTERNAL', `A worker thread failed: ${error.message}`);
}

/** Runs tasks on the calling thread. */
export const inlinePool: TaskPool = {
  size: 0,
  async run(kind, input) {
    const { TASKS } = await import('./tasks.ts');
    return (await TASKS[kind](input as never)).output as never;
  },
};

interface Pending {
  readonly id: number;
  readonly kind: TaskName;
  readonly input: unknown;
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
}

class WorkerPool implements TaskPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private started = 0;
  private nextId = 1;

  constructor(readonly size: number) {}

  run<K extends TaskName>(kind: K, input: TaskInput<K>): Promise<TaskOutput<K>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, kind, input, resolve: resolve as (value: never) => void, reject });
      this.dispatch();
    });
  }

  private spawn(): Worker {
    const entry = new URL('./worker.ts', import.meta.url).href;
    const worker = new Worker(fileURLToPath(new URL('./boot.mjs', import.meta.url)), { workerData: { entry, crash: crashCounter() } });
    worker.on('message', (message: { id: number; output?: unknown; error?: WireError }) => {
      const task = this.busy.get(worker);
      if (!task || task.id !== message.id) return;
      this.busy.delete(worker);
      if (message.error) task.reject(fromWireError(message.error));
      else task.resolve(message.output as never);
      this.idle.push(worker);
      this.dispatch();
    });
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`exited with code ${code}`)));
    this.started++;
    return worker;
  }

  /** A worker died (out of memory, a crash in native code): its task fails, a new worker takes over. */
  private lost(worker: Worker, error: Error): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    this.started--;
    task?.reject(new MedpipeError('INTERNAL', `A worker thread stopped while running a ${task.kind} task: ${error.message}`, { fix: 'Run again; with MEDPIPE_WORKERS=0 the work runs on the main thread.', cause: error }));
    this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker && this.started < this.size) worker = this.spawn();
      if (!worker) break;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.ref();
      worker.postMessage({ id: task.id, kind: task.kind, input: task.input });
    }
    // Idle workers must not keep the process alive.
    for (const worker of this.idle) worker.unref();
  }
}

let shared: WorkerPool | undefined;

/** How many worker threads the shared pool has: MEDPIPE_WORKERS, else one per core (at most 8). */
export function workerCount(): number {
  const setting = process.env.MEDPIPE_WORKERS;
  if (setting !== undefined && setting !== '' && Number.isInteger(Number(setting)) && Number(setting) >= 0) return Number(setting);
  return Math.min(availableParallelism(), 8);
}

/** The process's worker pool (inline when MEDPIPE_WORKERS=0). */
export function sharedPool(): TaskPool {
  const size = workerCount();
  if (size === 0) return inlinePool;
  if (!shared || shared.size !== size) shared = new WorkerPool(size);
  return shared;
}
