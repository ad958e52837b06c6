// What the README promises about the environment, executed as a user runs it (child processes):
// MEDPIPE_CACHE picks the cache folder, MEDPIPE_BACKEND=cpu runs a training pipeline on the pure
// JavaScript backend even where the native addon is built, and build.pretrained trains from a
// model a previous run exported (its files join build's key: changing them makes build stale).
import { existsSync } from 'node:fs';
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_URL, makeClassFolders, medpipeCli, removeDir, tempDir } from '../helpers/core.ts';

const Env = suite<{ dir: string }>('environment and backends, as a user runs them');

const source = (name: string, build: string) => `import { pipeline, ingest, normalize, split, build, fit, evaluate } from '${ENTRY_URL}';

export default pipeline('${name}', { seed: 4 })
  .stage(ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
  .stage(normalize())
  .stage(split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }))
  .stage(${build})
  .stage(fit({ epochs: 1, batchSize: 8, earlyStopping: false }))
  .stage(evaluate({ png: false, gradCam: false }));
`;

Env.before(async (ctx) => {
  ctx.dir = await tempDir('env');
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  await makeClassFolders(path.join(ctx.dir, 'data'), 8, { size: 8 });
  await writeFile(path.join(ctx.dir, 'base.ts'), source('base', 'build.tutorialCnn({ filters: [2, 2] })'));
  await writeFile(path.join(ctx.dir, 'transfer.ts'), source('transfer', "build.pretrained({ path: 'out-base/model', freeze: 1 })"));
});
Env.after(async (ctx) => removeDir(ctx.dir));

Env('MEDPIPE_CACHE and MEDPIPE_BACKEND=cpu: the cache goes where the variable says, training runs on pure JavaScript', async ({ dir }) => {
  const cache = path.join(dir, 'env-cache');
  const run = await medpipeCli(['run', 'base.ts', '--plain', '--out', 'out-base'], { cwd: dir, env: { MEDPIPE_CACHE: cache, MEDPIPE_BACKEND: 'cpu' } });
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`run base started: 6 stages, backend cpu, cache ${cache.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(run.stdout, /\[build\] backend: cpu/);
  assert.match(run.stdout, /\[fit\] done in [^:]+: 1 epoch\(s\) on cpu/);
  assert.ok((await readdir(path.join(cache, 'entries'))).length >= 6, 'the entries are in $MEDPIPE_CACHE');
  assert.not.ok(existsSync(path.join(dir, 'cache')), 'nothing in ./cache');
  // The same cache through the variable: all cached.
  const again = await medpipeCli(['status', 'base.ts'], { cwd: dir, env: { MEDPIPE_CACHE: cache, MEDPIPE_BACKEND: 'cpu' } });
  assert.not.match(again.stdout, /stale/, again.stdout);
});

Env('build.pretrained: trains from the exported model; editing that model makes build (and what follows) stale', async ({ dir }) => {
  assert.ok(existsSync(path.join(dir, 'out-base', 'model', 'model.json')), 'the previous test exported a model');
  const env = { MEDPIPE_CACHE: path.join(dir, 'env-cache'), MEDPIPE_BACKEND: 'cpu' };
  const run = await medpipeCli(['run', 'transfer.ts', '--plain', '--out', 'out-transfer'], { cwd: dir, env });
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\[build\] done in [^:]+: model for 8x8x1, \d[\d,]* parameters/);
  assert.match(run.stdout, /\[evaluate\] done/);
  assert.ok(existsSync(path.join(dir, 'out-transfer', 'metrics.json')));
  const cached = await medpipeCli(['status', 'transfer.ts'], { cwd: dir, env });
  assert.match(cached.stdout, /^build\s+cached/m);
  // A changed base model (here a key added to model.json) is a changed input file of build.
  await appendFile(path.join(dir, 'out-base', 'model', 'model.json'), '\n');
  const stale = await medpipeCli(['status', 'transfer.ts'], { cwd: dir, env });
  assert.match(stale.stdout, /^build\s+stale [0-9a-f]{10}\n\s+1 file changed \(out-base\/model\/model\.json\)$/m, stale.stdout);
  assert.match(stale.stdout, /^fit\s+stale \(after upstream\)/m);
});

Env.run();
