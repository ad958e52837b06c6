/**
 * Crash-point injection, for tests of crash safety: with MEDPIPE_CRASH_AFTER=N the process kills
 * itself (SIGKILL, no cleanup) right after the N-th write, fsync or rename of a file medpipe writes
 * (every cache and output write goes through writeFileAtomic). MEDPIPE_CRASH_AFTER=count makes no
 * crash but prints `medpipe crash points: <n>` on stderr at exit, so a test can sweep every boundary.
 * Unset (always, outside tests), it costs one comparison per boundary.
 */
const setting = process.env.MEDPIPE_CRASH_AFTER || undefined;
const target = setting && setting !== 'count' ? Number(setting) : undefined;
let passed = 0;

if (setting === 'count') {
  process.on('exit', () => process.stderr.write(`medpipe crash points: ${passed}\n`));
}

/** Marks one boundary (`what` names it for the record); kills the process at the chosen one. */
export function crashPoint(what: 'write' | 'fsync' | 'rename'): void {
  if (setting === undefined) return;
  passed++;
  if (passed === target) {
    process.stderr.write(`medpipe: crash point ${passed} (after a ${what}): killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
