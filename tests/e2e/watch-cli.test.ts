// `medpipe run pipeline.ts --watch` exactly as a user types it: the first run, a waiting line, a new
// image triggers a rerun of what it invalidates, and Ctrl+C (SIGINT) stops cleanly with exit 0.
// Waits on the output lines themselves, never on a clock (one overall timeout only).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_URL, makeClassFolders, removeDir, tempDir, writeGreyPng } from '../helpers/core.ts';
import { ROOT } from '../helpers/paths.ts';

const Watch = suite<{ dir: string }>('medpipe run --watch, as typed');

Watch.before(async (ctx) => {
  ctx.dir = await tempDir('watch-cli');
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  await makeClassFolders(path.join(ctx.dir, 'data'), 4, { size: 8 });
  await writeFile(
    path.join(ctx.dir, 'pipeline.ts'),
    `import { pipeline, ingest, normalize, split } from '${ENTRY_URL}';\nexport default pipeline('watched').stage(ingest.folder({ root: 'data', size: [8, 8], channels: 1 })).stage(normalize()).stage(split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }));\n`,
  );
});
Watch.after(async (ctx) => removeDir(ctx.dir));

Watch('first run, a new image reruns ingest onwards, SIGINT stops with exit 0', async ({ dir }) => {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'medpipe.js'), 'run', 'pipeline.ts', '--watch', '--plain', '--cache', 'cache', '--out', 'out'],
    {
      cwd: dir,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const check = () => waiters.splice(0, waiters.length, ...waiters.filter((w) => (w.test() ? (w.resolve(), false) : true)));
  child.stdout.on('data', (d) => ((out += d), check()));
  child.stderr.on('data', (d) => ((out += d), check()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const until = (what: string, test: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}:\n${out}`)), 120_000);
      waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
      check();
    });
  const count = (pattern: RegExp) => (out.match(new RegExp(pattern, 'g')) ?? []).length;
  try {
    await until('the first run', () => count(/run done/) === 1 && /\[watch\] waiting for changes/.test(out));
    assert.match(out, /\[watch\] watching the pipeline file and its inputs/);
    await writeGreyPng(path.join(dir, 'data', 'b', 'b_new.png'), 200, 99, 8);
    await until('the rerun', () => count(/run done/) === 2);
    assert.match(out, /\[watch\] 1 change: \+ .*b_new\.png/);
    assert.match(out, /\[ingest\] running \(key [0-9a-f]+\): 1 file added \(b\/b_new\.png\)/, out);
    await until('waiting again', () => count(/\[watch\] waiting for changes/) === 2);
    child.kill('SIGINT');
    assert.is(await exited, 0, out);
    assert.match(out, /\[watch\] stopped/);
  } finally {
    child.kill('SIGKILL');
  }
});

Watch.run();
