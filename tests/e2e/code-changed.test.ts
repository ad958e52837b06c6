// The "stage code changed" miss reason, end to end: a cache left by an older implementation of a
// stage (its index records split v0, and no entry matches the v1 key) makes `status` and `run` say
// the stage's code changed, and the run rebuilds it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMedpipe, makeClassFolders, removeDir, runCollect, tempDir } from '../helpers/core.ts';

const Code = suite<{ dir: string }>('stage code changed');

Code.before(async (ctx) => {
  ctx.dir = await tempDir('code');
  await makeClassFolders(path.join(ctx.dir, 'data'), 4, { size: 8 });
});
Code.after(async (ctx) => removeDir(ctx.dir));

Code('a cache from split v0: status and run say so, and split reruns', async ({ dir }) => {
  const m = await loadMedpipe();
  const p = m
    .pipeline('code')
    .stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
    .stage(m.split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }));
  const options = { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out'), baseDir: dir };
  assert.ok((await runCollect(p, options)).done.ok);
  // What an older medpipe would have left: split's last run recorded as version 0, under another key.
  const indexFile = path.join(dir, 'cache', 'index', 'code', 'split.json');
  const index = JSON.parse(await readFile(indexFile, 'utf8')) as { key: string; inputs: { version: number } };
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  await new CacheStore(options.cacheDir).drop(index.key);
  await writeFile(indexFile, JSON.stringify({ ...index, key: 'older', inputs: { ...index.inputs, version: 0 } }));

  const { pipelineStatus } = await import('../../src/runtime/run.ts');
  const { statusLines } = await import('../../src/view/status-lines.ts');
  const lines = statusLines(await pipelineStatus(p, options));
  assert.match(lines.join('\n'), /^split\s+stale [0-9a-f]{10}\n\s+stage code changed \(split v0 → split v1\)$/m);
  const rerun = await runCollect(p, options);
  assert.ok(rerun.done.ok);
  const start = rerun.events.find((e) => e.type === 'stage-start');
  assert.equal(start?.type === 'stage-start' ? [start.stage, start.reasons] : undefined, ['split', [{ kind: 'code', detail: 'split v0 → split v1' }]]);
});

Code.run();
