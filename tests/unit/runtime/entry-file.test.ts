// Cache entry files: checksums over the bytes as written, both verified on lookup (any damage is a
// miss), the meta parsed only when the output is loaded; the first layout is still read (and
// rewritten in the new one).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, sha256 } from '../../../src/base/canonical.ts';
import { CacheStore, type CacheEntry } from '../../../src/runtime/cache-store.ts';
import { entryFileBytes, entryFilePieces, isFirstLayout, parseEntryFile } from '../../../src/runtime/entry-file.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';

const Entry = suite<{ dir: string; store: CacheStore }>('cache entry files');

Entry.before.each(async (ctx) => {
  ctx.dir = await tempDir('entry-file');
  ctx.store = new CacheStore(ctx.dir);
  await ctx.store.ensure();
});
Entry.after.each(async (ctx) => removeDir(ctx.dir));

const base = {
  key: 'a'.repeat(64),
  stage: 'evaluate',
  kind: 'evaluate',
  pipeline: 'p',
  inputs: { kind: 'evaluate', version: 1, config: null, upstream: null, env: {} },
  summary: 'auc 0.9',
  ms: 3,
};
const META = { curve: Array.from({ length: 1000 }, (_, i) => i / 999), name: 'ünïcode "quoted" }', nested: { meta: '"meta":' } };
const entryPath = (ctx: { dir: string }) => path.join(ctx.dir, 'entries', `${base.key}.json`);

Entry('round trip: the file is JSON with the whole entry; a lookup serves the head, the meta when read', async (ctx) => {
  const put = await ctx.store.put(base, { meta: META, blobs: { b: new Uint8Array([1, 2, 3]) } });
  const bytes = await readFile(entryPath(ctx));
  assert.not.ok(isFirstLayout(bytes));
  assert.equal(JSON.parse(bytes.toString('utf8')).entry, JSON.parse(JSON.stringify(put)), 'plain JSON with every field');
  const got = await ctx.store.get(base.key);
  assert.is(got!.outputHash, put.outputHash);
  assert.equal(got!.meta, META);
  assert.equal((await ctx.store.load(got!))!.meta, META);
});

Entry('a damaged head or meta, or a torn file, is a miss', async (ctx) => {
  await ctx.store.put(base, { meta: META, blobs: {} });
  const good = await readFile(entryPath(ctx));
  const text = good.toString('latin1');

  await writeFile(entryPath(ctx), Buffer.from(text.replace('auc 0.9', 'auc 0.8'), 'latin1'));
  assert.is(await ctx.store.get(base.key), undefined, 'edited head');

  await writeFile(entryPath(ctx), Buffer.from(text.replace('"quoted', '"quotes'), 'latin1'));
  assert.is(await ctx.store.get(base.key), undefined, 'edited meta');

  await writeFile(entryPath(ctx), good.subarray(0, good.byteLength - 40));
  assert.is(await ctx.store.get(base.key), undefined, 'truncated');
  for (const cut of [0, 10, 160, 200]) assert.is(parseEntryFile(good.subarray(0, cut)), undefined, `cut at ${cut}`);
});

Entry('entries of the first layout are read, then rewritten in the new one', async (ctx) => {
  const entry = { format: 1, ...base, outputHash: 'o'.repeat(64), meta: META, blobs: {}, createdAt: '2026-01-01T00:00:00.000Z' } as CacheEntry;
  const old = `{"checksum":${JSON.stringify(sha256(canonicalJson(entry)))},"entry":${JSON.stringify(entry)}}`;
  await mkdir(path.dirname(entryPath(ctx)), { recursive: true });
  await writeFile(entryPath(ctx), old);
  assert.ok(isFirstLayout(Buffer.from(old)));
  const got = await ctx.store.get(base.key);
  assert.equal(got!.meta, META);
  const rewritten = await readFile(entryPath(ctx));
  assert.not.ok(isFirstLayout(rewritten));
  assert.equal(parseEntryFile(rewritten)!.meta, META);
  await writeFile(entryPath(ctx), old.replace('auc 0.9', 'auc 0.8'));
  assert.is(await ctx.store.get(base.key), undefined, 'a first-layout entry that fails its checksum is a miss');
});

Entry('entryFileBytes: the head ends where the prefix says the meta starts, whatever the meta holds', () => {
  const entry = { format: 1, ...base, outputHash: 'o'.repeat(64), meta: undefined, blobs: {}, createdAt: 'x' } as unknown as CacheEntry;
  assert.is(parseEntryFile(entryFileBytes(entry))!.meta, null, 'no meta reads back as null');
});

Entry('a meta of megabytes is written in pieces; its checksum and bytes are those of JSON.stringify', async (ctx) => {
  const meta = { curve: Array.from({ length: 300_000 }, (_, i) => Math.cos(i)), ids: Array.from({ length: 20_000 }, (_, i) => `𝄞 ${i}`) };
  const entry = { format: 1, ...base, outputHash: 'o'.repeat(64), meta, blobs: {}, createdAt: 'x' } as unknown as CacheEntry;
  const pieces = [...entryFilePieces(entry)];
  assert.ok(pieces.length > 50, `${pieces.length} pieces`);
  const bytes = entryFileBytes(entry);
  const text = JSON.stringify(meta);
  assert.ok(bytes.toString('latin1').includes(`"metaSha256":"${sha256(text)}"`));
  assert.ok(bytes.subarray(bytes.byteLength - 2 - Buffer.byteLength(text), bytes.byteLength - 2).equals(Buffer.from(text)));
  assert.equal(parseEntryFile(bytes)!.meta, JSON.parse(text));
  await ctx.store.put(base, { meta, blobs: {} });
  assert.equal((await readFile(entryPath(ctx))).equals(entryFileBytes({ ...JSON.parse((await readFile(entryPath(ctx))).toString('utf8')).entry, meta })), true);
});

Entry.run();
