// The reaper process of tests/helpers/reaper.ts: reads "pid starttime" lines on stdin; when stdin
// ends (its test process exited, or was killed and the kernel closed the pipe) it SIGKILLs every
// process it was given that is still the same process (same start time: a reused pid is spared).
import { readFileSync } from 'node:fs';

const started = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};
const given = new Map();
let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop();
  for (const line of lines) {
    const [pid, start] = line.split(' ');
    given.set(Number(pid), start);
  }
});
process.stdin.on('end', () => {
  for (const [pid, start] of given) {
    if (started(pid) !== start) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  process.exit(0);
});
