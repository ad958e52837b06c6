/**
 * Crash-point injection, for tests of crash safety: with MEDPIPE_CRASH_AFTER=N the process kills
 * itself (SIGKILL, no cleanup) right after the N-th write, fsync or rename of a file medpipe writes
 * (every cache and output write goes through writeFileAtomic or the shard writer).
 * MEDPIPE_CRASH_AFTER=count makes no crash but prints `medpipe crash points: <n>` on stderr at exit,
 * so a test can sweep every boundary. Worker threads count on the same counter as the main thread
 * (a SharedArrayBuffer handed to them), so N means the N-th boundary of the whole process.
 * Unset (always, outside tests), it costs one comparison per boundary.
 */
import { isMainThread } from 'node:worker_threads';

const setting = process.env.MEDPIPE_CRASH_AFTER || undefined;
const target = setting && setting !== 'count' ? Number(setting) : undefined;
let counter: Int32Array<ArrayBufferLike> = setting === undefined ? new Int32Array(1) : new Int32Array(new SharedArrayBuffer(4));

if (setting === 'count' && isMainThread) {
  process.on('exit', () => process.stderr.write(`medpipe crash points: ${counter[0]}\n`));
}

/** The process-wide counter, for worker threads (undefined when crash points are off). */
export function crashCounter(): SharedArrayBuffer | undefined {
  return setting === undefined ? undefined : (counter.buffer as unknown as SharedArrayBuffer);
}

/** In a worker thread: count on the main thread's counter. */
export function useCrashCounter(shared: SharedArrayBuffer | undefined): void {
  if (shared) counter = new Int32Array(shared);
}

/** Marks one boundary (`what` names it for the record); kills the process at the chosen one. */
export function crashPoint(what: 'write' | 'fsync' | 'rename'): void {
  if (setting === undefined) return;
  const passed = Atomics.add(counter, 0, 1) + 1;
  if (passed === target) {
    process.stderr.write(`medpipe: crash point ${passed} (after a ${what}): killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
