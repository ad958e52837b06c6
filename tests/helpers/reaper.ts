// Processes a test starts (redis-server, `medpipe worker`) die with the test process, even when the
// test runner is SIGKILLed and no `after` hook runs: a small reaper process, one per test process,
// holds the read end of a pipe from it; the kernel closes the pipe when the test process dies however
// it dies, and the reaper then kills what it was given. (A worker's job processes end on their own
// when their worker goes: src/runtime/executors/bullmq/sandbox.mjs.)
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { ROOT } from './paths.ts';

let reaper: ChildProcess | undefined;

/** The process' start time in clock ticks since boot (/proc/PID/stat field 22): with the pid, it names one process. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** Kills `pid` when this process ends, however it ends. */
export function reapWithThisProcess(pid: number | undefined): void {
  if (pid === undefined) return; // it did not start: nothing to reap
  if (!reaper) {
    reaper = spawn(process.execPath, [path.join(ROOT, 'tests', 'helpers', 'reaper.mjs')], { stdio: ['pipe', 'ignore', 'inherit'] });
    // Neither the reaper nor its pipe keeps this process alive.
    reaper.unref();
    (reaper.stdin as Socket).unref();
  }
  reaper.stdin!.write(`${pid} ${startTime(pid)}\n`);
}
