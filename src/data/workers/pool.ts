/**
 * Where ingest jobs and loader batches run: a process-wide pool of worker threads (one per core by
 * default, MEDPIPE_WORKERS=n to choose, 0 for none), or inline on the calling thread. Both run the
 * same task functions (tasks.ts), so a result never depends on where it was computed. Workers start
 * on first use and keep the process alive only while they have work.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../base/bundle.ts';
import { crashCounter } from '../../base/crash-point.ts';
import { MedpipeError, type MedpipeErrorCode } from '../../base/errors.ts';
import type { TaskInput, TaskName, TaskOutput } from './tasks.ts';

export interface TaskPool {
  /** Worker threads (0: tasks run inline). */
  readonly size: number;
  /** `transfer`: buffers of `input` moved to the worker (no longer usable here), as postMessage does. */
  run<K extends TaskName>(kind: K, input: TaskInput<K>, transfer?: readonly ArrayBuffer[]): Promise<TaskOutput<K>>;
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

let tasks: Promise<typeof import('./tasks.ts')> | undefined;

/** Runs tasks on the calling thread. */
export const inlinePool: TaskPool = {
  size: 0,
  async run(kind, input) {
    const { TASKS } = await (tasks ??= import('./tasks.ts'));
    return (await TASKS[kind](input as never)).output as never;
  },
};

interface Pending {
  readonly id: number;
  readonly kind: TaskName;
  readonly input: unknown;
  readonly transfer: readonly ArrayBuffer[];
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Two tasks per worker at a time: while one awaits the disk (a shard's fsync), the other decodes.
 * Pure compute tasks simply wait in the worker's own message queue, which keeps it busy.
 */
const SLOTS = 2;

interface Slot {
  readonly worker: Worker;
  readonly running: Map<number, Pending>;
}

class WorkerPool implements TaskPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(readonly size: number) {}

  run<K extends TaskName>(kind: K, input: TaskInput<K>, transfer: readonly ArrayBuffer[] = []): Promise<TaskOutput<K>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, kind, input, transfer, resolve: resolve as (value: never) => void, reject });
      this.dispatch();
    });
  }

  private spawn(): Slot {
    const entry = workerEntry(new URL('./worker.ts', import.meta.url).href);
    const worker = new Worker(fileURLToPath(new URL('./boot.mjs', import.meta.url)), { workerData: { entry, crash: crashCounter() } });
    const slot: Slot = { worker, running: new Map() };
    worker.on('message', (message: { id: number; output?: unknown; error?: WireError }) => {
      const task = slot.running.get(message.id);
      if (!task) return;
      slot.running.delete(message.id);
      if (message.error) task.reject(fromWireError(message.error));
      else task.resolve(message.output as never);
      this.dispatch();
    });
    worker.on('error', (error) => this.lost(slot, error));
    worker.on('exit', (code) => this.lost(slot, new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  /** A worker died (out of memory, a crash in native code): its tasks fail, a new worker takes over. */
  private lost(slot: Slot, error: Error): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    for (const task of slot.running.values()) {
      task.reject(new MedpipeError('INTERNAL', `A worker thread stopped while running a ${task.kind} task: ${error.message}`, { fix: 'Run again; with MEDPIPE_WORKERS=0 the work runs on the main thread.', cause: error }));
    }
    slot.running.clear();
    this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // The least busy worker, or a new one while there are fewer than `size`.
      let slot = this.slots.reduce<Slot | undefined>((best, s) => (s.running.size < SLOTS && (!best || s.running.size < best.running.size) ? s : best), undefined);
      if ((!slot || slot.running.size > 0) && this.slots.length < this.size) slot = this.spawn();
      if (!slot) break;
      const task = this.queue.shift()!;
      slot.running.set(task.id, task);
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, kind: task.kind, input: task.input }, task.transfer as ArrayBuffer[]);
    }
    // Idle workers must not keep the process alive.
    for (const slot of this.slots) if (slot.running.size === 0) slot.worker.unref();
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
