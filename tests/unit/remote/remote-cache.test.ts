// The remote cache (src/remote) against each store it supports: a shared folder (file://), an S3
// server on loopback (s3rver), and a real S3 bucket when MEDPIPE_TEST_S3=s3://bucket/prefix names
// one (with the usual AWS environment). The same contract runs on each: verified round trip, blobs
// before entries, damage and missing blobs are misses, only trusted signatures count, first writer
// wins and the loser reports the divergence, read mode never uploads, no access is one warning.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RemoteCache, RemoteEntry } from '../../../src/remote/remote-cache.ts';
import type { RemoteStorage } from '../../../src/remote/storage.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';
import { startS3Server, type S3Server } from '../../helpers/s3-server.ts';

type Remote = typeof import('../../../src/remote/open-remote.ts');
type Signing = typeof import('../../../src/remote/signing.ts');
type Cache = typeof import('../../../src/remote/remote-cache.ts');

interface Entry extends RemoteEntry {
  readonly note: string;
  readonly score?: number;
  readonly worst?: number;
}

interface Backend {
  readonly name: string;
  /** A fresh, empty location (its own folder or prefix) and an environment to use it with. */
  fresh(): Promise<{ url: string; env: Record<string, string | undefined> }>;
}

interface Ctx {
  dir: string;
  s3: S3Server;
  remote: Remote;
  signing: Signing;
  cache: Cache;
  keys: { a: string; aPub: string; b: string; bPub: string };
}

const backends: Backend[] = [
  {
    name: 'file',
    fresh: async () => ({ url: `file://${await tempDir('remote-file')}`, env: {} }),
  },
  {
    name: 's3rver',
    fresh: async () => ({ url: `s3://${state.s3.bucket}/run-${randomBytes(4).toString('hex')}`, env: state.s3.env }),
  },
];
const real = process.env.MEDPIPE_TEST_S3;
if (real) {
  backends.push({
    name: 'real S3',
    fresh: async () => ({ url: `${real.replace(/\/+$/, '')}/medpipe-test-${Date.now()}-${randomBytes(4).toString('hex')}`, env: {} }),
  });
} else {
  console.log(
    '  note: MEDPIPE_TEST_S3 is not set, so the remote cache contract runs on file:// and s3rver only (set it to s3://bucket/prefix to add a real bucket)',
  );
}
const state = {} as Ctx;

const S3_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL', 'AWS_REGION'];
function withEnv(env: Record<string, string | undefined>): void {
  for (const name of S3_VARS) if (name in env || !real) delete process.env[name];
  for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
}

/** A storage that counts what is written to it. */
function counting(storage: RemoteStorage): RemoteStorage & { writes: number } {
  const counted = {
    ...storage,
    writes: 0,
    cas: { ...storage.cas, put: async (hash: string, bytes: Uint8Array) => (counted.writes++, storage.cas.put(hash, bytes)) },
    ac: { ...storage.ac, putIfAbsent: async (key: string, bytes: Uint8Array) => (counted.writes++, storage.ac.putIfAbsent(key, bytes)) },
  };
  return counted;
}

function entryOf(ctx: Ctx, blobs: Record<string, Uint8Array>, note = 'one'): { entry: Entry; bytes: Map<string, Uint8Array> } {
  const { sha256 } = ctx.cache as unknown as { sha256: (b: Uint8Array) => string };
  const refs: Record<string, { hash: string; size: number }> = {};
  const bytes = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(blobs)) {
    const hash = sha256(data);
    refs[name] = { hash, size: data.byteLength };
    bytes.set(hash, data);
  }
  const key = randomBytes(32).toString('hex');
  return {
    entry: {
      key,
      outputHash: `out-${note}-${Object.values(refs)
        .map((r) => r.hash)
        .join('')}`.slice(0, 64),
      blobs: refs,
      note,
    },
    bytes,
  };
}

function open(
  ctx: Ctx,
  storage: RemoteStorage,
  mode: 'read' | 'readwrite',
  signer?: string,
  trust: string[] = [],
  warnings: string[] = [],
): RemoteCache<Entry> {
  const cache = new ctx.cache.RemoteCache<Entry>({
    storage,
    mode,
    signer: signer ? ctx.signing.loadSigner(signer) : undefined,
    trusted: ctx.signing.loadTrustedKeys(trust),
    check: (e) => typeof e.note === 'string',
  });
  cache.onWarning((m) => warnings.push(m));
  return cache;
}

const Contract = suite<Ctx>('remote cache contract');

Contract.before(async (ctx) => {
  ctx.dir = await tempDir('remote-unit');
  ctx.s3 = await startS3Server();
  ctx.remote = await import('../../../src/remote/open-remote.ts');
  ctx.signing = await import('../../../src/remote/signing.ts');
  ctx.cache = Object.assign(Object.create(null), await import('../../../src/remote/remote-cache.ts'), {
    sha256: (await import('../../../src/base/canonical.ts')).sha256,
  });
  const a = await ctx.signing.writeKeyPair(path.join(ctx.dir, 'a'));
  const b = await ctx.signing.writeKeyPair(path.join(ctx.dir, 'b'));
  ctx.keys = { a: a.privateFile, aPub: a.publicFile, b: b.privateFile, bPub: b.publicFile };
  Object.assign(state, ctx);
});
Contract.after(async (ctx) => {
  await ctx.s3?.stop();
  await removeDir(ctx.dir);
});

for (const backend of backends) {
  const fresh = async () => {
    const where = await backend.fresh();
    withEnv(where.env);
    return counting(state.remote.storageFor(where.url));
  };

  Contract(`${backend.name}: an uploaded entry comes back verified, blob for blob; probe sees it without downloading`, async (ctx) => {
    const storage = await fresh();
    const { entry, bytes } = entryOf(ctx, { weights: randomBytes(3000), meta: Buffer.from('{"a":1}') });
    const writer = open(ctx, storage, 'readwrite', ctx.keys.a);
    assert.is(await writer.upload(entry, async (h) => bytes.get(h)), 'uploaded');
    assert.is(storage.writes, 3, 'two blobs, then the entry');
    const reader = open(ctx, storage, 'read', undefined, [ctx.keys.aPub]);
    const hit = await reader.fetch(entry.key);
    assert.ok(hit);
    assert.equal(hit.entry, entry);
    for (const [name, ref] of Object.entries(entry.blobs)) assert.equal(Buffer.from(hit.blobs[name]!), Buffer.from(bytes.get(ref.hash)!));
    assert.equal(await reader.probe(entry.key), entry);
    assert.is(await reader.fetch('0'.repeat(64)), undefined, 'an unknown key is a plain miss');
    assert.is(await writer.upload(entry, async (h) => bytes.get(h)), 'present', 'the same entry again: nothing to do');
    assert.is(storage.writes, 3, 'and nothing written');
  });

  Contract(
    `${backend.name}: an entry's refs (a data set's shards) go up and come back with its blobs; a damaged one is a miss; NaN and -Infinity survive the signed entry`,
    async (ctx) => {
      const storage = await fresh();
      const shard = randomBytes(5000);
      const { sha256 } = ctx.cache as unknown as { sha256: (b: Uint8Array) => string };
      const ref = { hash: sha256(shard), size: shard.byteLength };
      const made = entryOf(ctx, { table: randomBytes(300) }, 'refs');
      const entry: Entry = { ...made.entry, refs: [ref], score: Number.NaN, worst: -Infinity };
      made.bytes.set(ref.hash, shard);
      const writer = open(ctx, storage, 'readwrite', ctx.keys.a);
      assert.is(await writer.upload(entry, async (h) => made.bytes.get(h)), 'uploaded');
      assert.is(storage.writes, 3, 'the blob, the shard, then the entry');
      const reader = open(ctx, storage, 'read', undefined, [ctx.keys.aPub]);
      const hit = await reader.fetch(entry.key);
      assert.ok(hit);
      assert.ok(Number.isNaN(hit.entry.score), 'NaN comes back as NaN, not null');
      assert.is(hit.entry.worst, -Infinity);
      assert.equal(hit.entry.refs, [ref]);
      assert.equal(Buffer.from(hit.blobs[`ref:${ref.hash}`]!), shard);
      await storage.cas.put(ref.hash, shard.subarray(0, 4000));
      const warnings: string[] = [];
      const later = open(ctx, storage, 'read', undefined, [ctx.keys.aPub], warnings);
      assert.is(await later.probe(entry.key), undefined, 'probe sees the shard at the wrong size');
      assert.is(await later.fetch(entry.key), undefined, 'a truncated shard is a miss');
      assert.is(warnings.length, 1, warnings.join(' | '));
    },
  );

  Contract(`${backend.name}: mode read never uploads`, async (ctx) => {
    const storage = await fresh();
    const { entry, bytes } = entryOf(ctx, { weights: randomBytes(100) });
    const warnings: string[] = [];
    const reader = open(ctx, storage, 'read', ctx.keys.a, [], warnings);
    assert.is(await reader.upload(entry, async (h) => bytes.get(h)), 'skipped');
    assert.is(storage.writes, 0);
    assert.is(reader.stats.uploads, 0);
    assert.is(await reader.fetch(entry.key), undefined);
    assert.equal(warnings, []);
  });

  Contract(`${backend.name}: a damaged, truncated or missing blob is a miss with one warning`, async (ctx) => {
    const storage = await fresh();
    const writer = open(ctx, storage, 'readwrite', ctx.keys.a);
    const damage = async (how: 'flip' | 'truncate' | 'missing') => {
      const { entry, bytes } = entryOf(ctx, { weights: randomBytes(2048) }, how);
      await writer.upload(entry, async (h) => bytes.get(h));
      const hash = entry.blobs.weights!.hash;
      const good = bytes.get(hash)!;
      if (how === 'flip') await storage.cas.put(hash, Buffer.concat([good.subarray(0, 100), Buffer.from([good[100]! ^ 1]), good.subarray(101)]));
      if (how === 'truncate') await storage.cas.put(hash, good.subarray(0, 1000));
      if (how === 'missing') await storage.cas.put(hash, new Uint8Array(0));
      const warnings: string[] = [];
      const reader = open(ctx, storage, 'read', undefined, [ctx.keys.aPub], warnings);
      assert.is(await reader.fetch(entry.key), undefined, how);
      assert.is(await reader.fetch(entry.key), undefined, `${how}, again`);
      assert.is(warnings.length, 1, `${how}: ${warnings.join(' | ')}`);
      assert.match(warnings[0]!, how === 'missing' ? /damaged|not there/ : /damaged/);
      assert.equal(await reader.probe(entry.key), how === 'flip' ? entry : undefined, 'probe checks presence and size only');
    };
    await damage('flip');
    await damage('truncate');
    await damage('missing');
  });

  Contract(`${backend.name}: entries signed by an untrusted key, or whose signature does not verify, are misses`, async (ctx) => {
    const storage = await fresh();
    const writer = open(ctx, storage, 'readwrite', ctx.keys.b);
    const made = [entryOf(ctx, { x: randomBytes(10) }, 'u1'), entryOf(ctx, { x: randomBytes(10) }, 'u2')];
    for (const { entry, bytes } of made) await writer.upload(entry, async (h) => bytes.get(h));
    const warnings: string[] = [];
    const reader = open(ctx, storage, 'read', undefined, [ctx.keys.aPub], warnings);
    for (const { entry } of made) assert.is(await reader.fetch(entry.key), undefined);
    assert.is(warnings.length, 1, 'one warning for the untrusted key, however many entries it signed');
    assert.match(warnings[0]!, /not trusted/);
    assert.match(warnings[0]!, new RegExp(ctx.signing.keyId(ctx.signing.loadSigner(ctx.keys.b).publicKey)));
  });

  Contract(`${backend.name}: two writers of one key: one wins, the other reports the divergence`, async (ctx) => {
    const storage = await fresh();
    const first = entryOf(ctx, { w: randomBytes(500) }, 'first');
    const second = entryOf(ctx, { w: randomBytes(500) }, 'second');
    const sameKey = { ...second.entry, key: first.entry.key };
    const warnA: string[] = [];
    const warnB: string[] = [];
    const a = open(ctx, storage, 'readwrite', ctx.keys.a, [], warnA);
    const b = open(ctx, storage, 'readwrite', ctx.keys.b, [], warnB);
    const outcomes = await Promise.all([a.upload(first.entry, async (h) => first.bytes.get(h)), b.upload(sameKey, async (h) => second.bytes.get(h))]);
    assert.equal([...outcomes].sort(), ['diverged', 'uploaded'], String(outcomes));
    const loserWarnings = outcomes[0] === 'diverged' ? warnA : warnB;
    const winnerWarnings = outcomes[0] === 'diverged' ? warnB : warnA;
    assert.is(loserWarnings.length, 1);
    assert.match(loserWarnings[0]!, /different output/);
    assert.equal(winnerWarnings, []);
    const reader = open(ctx, storage, 'read', undefined, [ctx.keys.aPub, ctx.keys.bPub]);
    const hit = await reader.fetch(first.entry.key);
    assert.ok(hit, 'the winner is readable and whole');
    assert.is(hit.entry.note, outcomes[0] === 'uploaded' ? 'first' : 'second');
  });
}

Contract('s3: wrong credentials are one clear warning; the cache then stays out of the way', async (ctx) => {
  withEnv({ ...ctx.s3.env, AWS_ACCESS_KEY_ID: 'WRONG', AWS_SECRET_ACCESS_KEY: 'wrong' });
  const storage = counting(ctx.remote.storageFor(`s3://${ctx.s3.bucket}/creds`));
  const warnings: string[] = [];
  const cache = open(ctx, storage, 'readwrite', ctx.keys.a, [], warnings);
  const { entry, bytes } = entryOf(ctx, { x: randomBytes(10) });
  assert.is(await cache.fetch(entry.key), undefined);
  assert.is(await cache.upload(entry, async (h) => bytes.get(h)), 'skipped');
  assert.is(await cache.fetch(entry.key), undefined);
  assert.is(warnings.length, 1, warnings.join(' | '));
  assert.match(warnings[0]!, /InvalidAccessKeyId/);
  assert.match(warnings[0]!, /AWS_ACCESS_KEY_ID/);
  assert.match(warnings[0]!, /the run goes on with the local cache only/);
  assert.not.ok(cache.writable);
});

Contract('file: an entry edited after signing no longer verifies: a miss', async (ctx) => {
  const root = await tempDir('remote-tamper');
  const storage = ctx.remote.storageFor(`file://${root}`);
  const { entry, bytes } = entryOf(ctx, { x: randomBytes(10) }, 'tampered');
  await open(ctx, storage, 'readwrite', ctx.keys.a).upload(entry, async (h) => bytes.get(h));
  const file = path.join(root, 'ac', entry.key.slice(0, 2), entry.key);
  const stored = JSON.parse(await readFile(file, 'utf8'));
  stored.entry = stored.entry.replace('"tampered"', '"tampere!"');
  await writeFile(file, JSON.stringify(stored));
  const warnings: string[] = [];
  assert.is(await open(ctx, storage, 'read', undefined, [ctx.keys.aPub], warnings).fetch(entry.key), undefined);
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /signature that does not verify/);
  await removeDir(root);
});

Contract('file: blobs are laid out by hash, entries by key, nothing else is left behind', async (ctx) => {
  const root = await tempDir('remote-layout');
  const storage = ctx.remote.storageFor(`file://${root}`);
  const cache = open(ctx, storage, 'readwrite', ctx.keys.a);
  const { entry, bytes } = entryOf(ctx, { x: randomBytes(10) });
  await cache.upload(entry, async (h) => bytes.get(h));
  const hash = entry.blobs.x!.hash;
  assert.equal(await readdir(path.join(root, 'cas', hash.slice(0, 2))), [hash]);
  assert.equal(await readdir(path.join(root, 'ac', entry.key.slice(0, 2))), [entry.key]);
  const envelope = JSON.parse(await readFile(path.join(root, 'ac', entry.key.slice(0, 2), entry.key), 'utf8'));
  assert.is(envelope.format, 'medpipe-ac/1');
  assert.is(envelope.signer, ctx.signing.loadSigner(ctx.keys.a).publicKey);
  await removeDir(root);
});

Contract('openRemote: readwrite without a key, no trusted key, or a bad scheme are config errors naming the fix', async (ctx) => {
  const check = () => true;
  const codeOf = (f: () => unknown) => {
    try {
      f();
      return 'no error';
    } catch (error) {
      return `${(error as { code?: string }).code}: ${(error as Error).message} ${(error as { fix?: string }).fix}`;
    }
  };
  assert.match(
    codeOf(() => ctx.remote.openRemote({ url: 'file:///tmp/x', mode: 'readwrite' }, { check })),
    /INVALID_CONFIG.*sign.*medpipe keygen/,
  );
  assert.match(
    codeOf(() => ctx.remote.openRemote({ url: 'file:///tmp/x' }, { check })),
    /INVALID_CONFIG.*no key is trusted.*--remote-trust/,
  );
  assert.match(
    codeOf(() => ctx.remote.openRemote({ url: 'http://x/y', trust: [ctx.keys.aPub] }, { check })),
    /INVALID_CONFIG.*s3:\/\/bucket\/prefix/,
  );
  assert.match(
    codeOf(() => ctx.remote.openRemote({ url: 'file:///tmp/x', key: ctx.keys.aPub }, { check })),
    /INVALID_CONFIG.*not an Ed25519 private key/,
  );
  assert.is(
    codeOf(() => ctx.remote.openRemote({ url: 'file:///tmp/x', key: ctx.keys.a, mode: 'readwrite' }, { check })),
    'no error',
  );
});

Contract.run();
