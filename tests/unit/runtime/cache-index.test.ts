// The cache's per-pipeline index (a stage's last key): written without an fsync, so a record a power
// cut tears or empties must read as none, never as a wrong key or an error.
import { readdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CacheStore } from '../../../src/runtime/cache-store.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';

const I = suite<{ dir: string }>('cache index');

I.before.each(async (ctx) => {
  ctx.dir = await tempDir('cache-index');
});
I.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

const record = {
  key: 'k'.repeat(64),
  inputs: { kind: 'ingest.folder', version: 4, config: { root: 'data' }, upstream: null, env: {} },
  at: '2026-11-27T06:00:00.000Z',
};

I('a record round-trips, leaves no temp file, and a torn or emptied one reads as none', async ({ dir }) => {
  const store = new CacheStore(dir);
  await store.writeIndex('xray pipeline', 'ingest', record);
  assert.equal(await store.readIndex('xray pipeline', 'ingest'), record);
  const folder = path.join(dir, 'index', 'xray_pipeline');
  assert.equal(await readdir(folder), ['ingest.json']);
  const file = path.join(folder, 'ingest.json');
  await truncate(file, 20);
  assert.is(await store.readIndex('xray pipeline', 'ingest'), undefined);
  await writeFile(file, '');
  assert.is(await store.readIndex('xray pipeline', 'ingest'), undefined);
  assert.is(await store.readIndex('xray pipeline', 'never-run'), undefined);
});

I.run();
