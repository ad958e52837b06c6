/**
 * Crash-point injection, for tests of crash safety: with MEDPIPE_CRASH_AFTER=N the process kills
 * itself (SIGKILL, no cleanup) right after the N-th write, fsync or rename of a file medpipe writes
 * (every cache and output write goes through writeFileAtomic or the shard writer) or upload to a
 * remote cache.
 * MEDPIPE_CRASH_AFTER=count makes no crash but prints `medpipe crash points: <n>` on stderr at exit,
 * so a test can sweep every boundary. A kind before a colon counts only that kind of boundary:
 * `upload:2` dies right after the second completed upload, `upload:count` counts uploads.
 * Worker threads count on the same counter as the main thread (a SharedArrayBuffer handed to them),
 * so N means the N-th boundary of the whole process.
 * MEDPIPE_CRASH_PARENT=1 kills the parent process first: a `medpipe worker` whose job process
 * crashes dies whole, as a machine losing power would.
 * Unset (always, outside tests), it costs one comparison per boundary.
 */
import { isMainThread } from 'node:worker_threads';

export type CrashPointKind = 'write' | 'fsync' | 'rename' | 'upload';

const raw = process.env.MEDPIPE_CRASH_AFTER || undefined;
const only = raw?.includes(':') ? (raw.slice(0, raw.indexOf(':')) as CrashPointKind) : undefined;
const setting = only === undefined ? raw : raw!.slice(raw!.indexOf(':') + 1);
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
export function crashPoint(what: CrashPointKind): void {
  if (setting === undefined || (only !== undefined && what !== only)) return;
  const passed = Atomics.add(counter, 0, 1) + 1;
  if (passed === target) {
    process.stderr.write(`medpipe: crash point ${passed} (after a ${what}): killing the process\n`);
    if (process.env.MEDPIPE_CRASH_PARENT === '1') process.kill(process.ppid, 'SIGKILL');
    process.kill(process.pid, 'SIGKILL');
  }
}
