// commandOutput: a command's stdout and whether it exited 0, the same through the codec addon's
// posix_spawn (spawnCapture) as through child_process; a missing command, a failing one and one past
// its timeout are not ok.
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandOutput } from '../../../src/io/command-output.ts';
import { nativeCodec } from '../../../src/io/native-codec.ts';
import { requirement, requires } from '../../helpers/requires.ts';

const Command = suite('command output');
const it = requires(
  Command,
  requirement(nativeCodec()?.spawnCapture !== undefined, 'the codec addon is not built with spawnCapture (node native/codec/build.mjs)'),
);

it('stdout and status as child_process gives them, in the folder asked for', async () => {
  const script = 'pwd; printf "é\\n%s\\n" "$1"; seq 1 20000; echo to-stderr >&2';
  const got = await commandOutput('sh', ['-c', script, 'sh', 'an argument with spaces'], '/tmp', 10_000);
  assert.ok(got.ok);
  assert.is(
    got.stdout,
    execFileSync('sh', ['-c', script, 'sh', 'an argument with spaces'], { cwd: '/tmp', encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  assert.ok(got.stdout.startsWith('/tmp\né\nan argument with spaces\n1\n'));
  assert.ok(got.stdout.length > 100_000, 'more than one pipe buffer is read');
});

it('a failing command, a missing one and one past its timeout are not ok', async () => {
  const failing = await commandOutput('sh', ['-c', 'echo partial; exit 3'], '/tmp', 10_000);
  assert.equal(failing, { ok: false, stdout: 'partial\n' });
  assert.is((await commandOutput('medpipe-no-such-command', [], '/tmp', 10_000)).ok, false);
  assert.is((await commandOutput('sh', ['-c', 'exit 0'], '/no/such/folder', 10_000)).ok, false);
  const started = Date.now();
  const slow = await commandOutput('sleep', ['5'], '/tmp', 200);
  assert.is(slow.ok, false);
  assert.ok(Date.now() - started < 3000, `killed at its timeout (${Date.now() - started} ms)`);
});

Command.run();
