/**
 * Crash-point injection, for tests of crash safety: with MEDPIPE_CRASH_AFTER=N the process kills
 * itself (SIGKILL, no cleanup) right after the N-th write, fsync or rename of a file medpipe writes
 * (every cache and output write goes through writeFileAtomic) or upload to a remote cache.
 * MEDPIPE_CRASH_AFTER=count makes no crash but prints `medpipe crash points: <n>` on stderr at exit,
 * so a test can sweep every boundary. A kind before a colon counts only that kind of boundary:
 * `upload:2` dies right after the second completed upload, `upload:count` counts uploads.
 * MEDPIPE_CRASH_PARENT=1 kills the parent process first: a `medpipe worker` whose job process
 * crashes dies whole, as a machine losing power would.
 * Unset (always, outside tests), it costs one comparison per boundary.
 */
export type CrashPointKind = 'write' | 'fsync' | 'rename' | 'upload';

const raw = process.env.MEDPIPE_CRASH_AFTER || undefined;
const only = raw?.includes(':') ? (raw.slice(0, raw.indexOf(':')) as CrashPointKind) : undefined;
const setting = only === undefined ? raw : raw!.slice(raw!.indexOf(':') + 1);
const target = setting && setting !== 'count' ? Number(setting) : undefined;
let passed = 0;

if (setting === 'count') {
  process.on('exit', () => process.stderr.write(`medpipe crash points: ${passed}\n`));
}

/** Marks one boundary (`what` names it for the record); kills the process at the chosen one. */
export function crashPoint(what: CrashPointKind): void {
  if (setting === undefined || (only !== undefined && what !== only)) return;
  passed++;
  if (passed === target) {
    process.stderr.write(`medpipe: crash point ${passed} (after a ${what}): killing the process\n`);
    if (process.env.MEDPIPE_CRASH_PARENT === '1') process.kill(process.ppid, 'SIGKILL');
    process.kill(process.pid, 'SIGKILL');
  }
}
