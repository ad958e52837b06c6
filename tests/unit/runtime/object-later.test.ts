// CacheStore.putObjectLater: the hash at once, the object written meanwhile; a read of it and every
// entry written afterwards wait for the write, and a failed write fails the next entry (an entry
// never names an object that is not on disk).
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../../../src/base/canonical.ts';
import { objectPath } from '../../../src/base/object-store.ts';
import { CacheStore } from '../../../src/runtime/cache-store.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';

const Later = suite<{ dir: string; store: CacheStore }>('cache store: objects written behind');
Later.before.each(async (ctx) => {
  ctx.dir = await tempDir('object-later');
  ctx.store = new CacheStore(ctx.dir);
  await ctx.store.ensure();
});
Later.after.each(async (ctx) => removeDir(ctx.dir));

const base = {
  key: 'b'.repeat(64),
  stage: 'ingest',
  kind: 'ingest',
  pipeline: 'p',
  inputs: { kind: 'ingest', version: 1, config: null, upstream: null, env: {} },
  ms: 1,
};
const bytes = new TextEncoder().encode('a listing object '.repeat(1000));

Later('the hash at once; reads wait for the write; an entry put afterwards finds it on disk', async ({ dir, store }) => {
  const hash = store.putObjectLater(bytes);
  assert.is(hash, sha256(bytes));
  assert.is(store.putObjectLater(bytes), hash, 'the same object twice: one write');
  assert.equal(await store.getObject(hash), bytes);
  assert.ok(await store.hasObject({ hash, size: bytes.byteLength }));
  await store.put(base, { meta: { listing: hash }, blobs: {} });
  assert.equal(new Uint8Array(await readFile(objectPath(store.objectsDir, hash))), bytes);
  assert.ok((await stat(path.join(dir, 'entries', `${base.key}.json`))).isFile());
});

Later('a write that fails fails the next entry, which is not written', async ({ dir, store }) => {
  const hash = sha256(bytes);
  // The object's folder is a file: the write cannot make it.
  const folder = path.dirname(objectPath(store.objectsDir, hash));
  await mkdir(path.dirname(folder), { recursive: true });
  await writeFile(folder, 'not a folder');
  store.putObjectLater(bytes);
  const failed = await store.put(base, { meta: {}, blobs: {} }).then(
    () => false,
    () => true,
  );
  assert.ok(failed, 'the entry after a failed object write is refused');
  const entry = await stat(path.join(dir, 'entries', `${base.key}.json`)).catch(() => undefined);
  assert.is(entry, undefined);
  assert.is(await store.getObject(hash), undefined);
});

Later.run();
