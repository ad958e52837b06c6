// The CLI of the distributed features, as child processes: keygen, worker and remote flag errors
// (exit 2 with the fix), and `medpipe status` naming the stages a remote cache would serve.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENTRY_URL, makeClassFolders, medpipeCli, removeDir, tempDir } from '../helpers/core.ts';

interface Ctx {
  dir: string;
}

const Cli = suite<Ctx>('distributed CLI');

Cli.before(async (ctx) => {
  ctx.dir = await tempDir('dist-cli');
});
Cli.after(async (ctx) => {
  await removeDir(ctx.dir);
});

Cli('keygen writes a private key only its owner reads and a public key, and never overwrites them', async (ctx) => {
  const base = path.join(ctx.dir, 'keys', 'ci');
  const made = await medpipeCli(['keygen', base]);
  assert.is(made.code, 0, made.stderr);
  assert.match(made.stdout, /ci\.key .*--remote-key.*ci\.pub .*--remote-trust/);
  assert.is((await stat(`${base}.key`)).mode & 0o777, 0o600);
  const again = await medpipeCli(['keygen', base]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /exists already; keygen never overwrites a key/);
});

Cli('flag mistakes are exit 2 with the fix', async (ctx) => {
  const worker = await medpipeCli(['worker']);
  assert.is(worker.code, 2);
  assert.match(worker.stderr, /--redis is missing[\s\S]*medpipe worker --redis redis:\/\/host:6379/);
  const concurrency = await medpipeCli(['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '0']);
  assert.is(concurrency.code, 2);
  assert.match(concurrency.stderr, /--concurrency must be a whole number/);
  const mode = await medpipeCli(['status', 'x.ts', '--remote-mode', 'readwrite'], { cwd: ctx.dir, env: { MEDPIPE_REMOTE: '' } });
  assert.is(mode.code, 2);
  assert.match(mode.stderr, /--remote-mode needs a remote cache/);
  const noKey = await medpipeCli(['worker', '--redis', 'redis://127.0.0.1:1', '--remote', `file://${ctx.dir}/r`, '--remote-mode', 'readwrite']);
  assert.is(noKey.code, 2);
  assert.match(noKey.stderr, /readwrite needs a key[\s\S]*medpipe keygen/);
});

Cli('status says which stages the remote cache would serve', async (ctx) => {
  const base = path.join(ctx.dir, 'keys', 'st');
  assert.is((await medpipeCli(['keygen', base])).code, 0);
  await makeClassFolders(path.join(ctx.dir, 'data'), 6, { size: 8 });
  const file = path.join(ctx.dir, 'p.mts');
  await writeFile(
    file,
    `import { pipeline, ingest, normalize } from ${JSON.stringify(ENTRY_URL)};\nexport default pipeline('st').stage(ingest.folder({ root: 'data', channels: 1, size: [8, 8] })).stage(normalize({ method: 'rescale' }));\n`,
  );
  const remote = `file://${path.join(ctx.dir, 'remote')}`;
  const run = await medpipeCli([
    'run',
    file,
    '--plain',
    '--cache',
    path.join(ctx.dir, 'c1'),
    '--remote',
    remote,
    '--remote-mode',
    'readwrite',
    '--remote-key',
    `${base}.key`,
  ]);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /remote file:\/\/.* \(readwrite\)/);
  const status = await medpipeCli(['status', file, '--cache', path.join(ctx.dir, 'c2'), '--remote', remote, '--remote-trust', `${base}.pub`]);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /ingest\s+remote \(the remote cache has it: a run downloads it\)/);
  assert.match(status.stdout, /normalize\s+remote/);
  const local = await medpipeCli(['status', file, '--cache', path.join(ctx.dir, 'c1')]);
  assert.match(local.stdout, /ingest\s+cached/);
});

Cli.run();
