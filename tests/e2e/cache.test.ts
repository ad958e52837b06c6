// The content-hashed cache through the real runtime: hits, misses with reasons, early cutoff,
// torn writes, the stat cache (no re-reading unchanged files) and per-file decode records.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pipeline } from '../../src/pipeline.ts';
import type { RunEvent } from '../../src/runtime/events.ts';
import {
  assertOk,
  cachedStages,
  decodedCount,
  loadMedpipe,
  loadRuntime,
  logsOf,
  makeClassFolders,
  removeDir,
  runCollect,
  startedStages,
  tempDir,
  writeGreyPng,
  type Medpipe,
  type Runtime,
} from '../helpers/core.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
  rt: Runtime;
  files: string[];
  /** StatCache.reads of each finished run, in order (captured when the runtime saves the stat cache). */
  reads: number[];
}

const Cache = suite<Ctx>('cache: hits, misses and reasons, early cutoff, torn writes, stat cache');

const ALL = ['ingest', 'normalize', 'split', 'build', 'fit'];
const HOUR_AGO = new Date(Date.now() - 3600_000);

Cache.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.rt = await loadRuntime();
  // Count the files the runtime actually reads to hash them, per run: StatCache.save runs at the end of every run.
  const { StatCache } = await import('../../src/runtime/stat-cache.ts');
  const save = StatCache.prototype.save;
  StatCache.prototype.save = function (this: InstanceType<typeof StatCache>) {
    ctx.reads.push(this.reads);
    return save.call(this);
  };
});

Cache.before.each(async (ctx) => {
  ctx.dir = await tempDir('cache');
  ctx.reads = [];
  ctx.files = await makeClassFolders(path.join(ctx.dir, 'data'), 12, { size: 16 });
  // Older than the stat cache's 2 s "racy" window, as real data is, so rows are remembered.
  for (const file of ctx.files) await utimes(file, HOUR_AGO, HOUR_AGO);
});

Cache.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

const opts = (ctx: Ctx, cache = 'cache') => ({ cacheDir: path.join(ctx.dir, cache), outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir });

interface Variant {
  normalize?: Parameters<Medpipe['normalize']>[0];
  split?: Parameters<Medpipe['split']>[0];
  epochs?: number;
  concurrency?: number;
  seed?: number;
  build?: Pipeline<unknown>['stages'][number];
}

function makePipeline(m: Medpipe, v: Variant = {}) {
  return m
    .pipeline('cache-test', { seed: v.seed ?? 5 })
    .stage(m.ingest.folder({ root: 'data', size: [16, 16], channels: 1, ...(v.concurrency ? { concurrency: v.concurrency } : {}) }))
    .stage(m.normalize(v.normalize ?? { method: 'zscore' }))
    .stage(m.split(v.split ?? {}))
    .stage((v.build as never) ?? m.build.tutorialCnn({ filters: [4, 4] }))
    .stage(m.fit({ epochs: v.epochs ?? 1, batchSize: 8, earlyStopping: false }));
}

async function run(ctx: Ctx, v: Variant = {}, cache = 'cache') {
  const collected = await runCollect(makePipeline(ctx.m, v), opts(ctx, cache));
  assertOk(collected);
  return collected;
}

const startOf = (events: readonly RunEvent[], stage: string) =>
  events.find((e): e is Extract<RunEvent, { type: 'stage-start' }> => e.type === 'stage-start' && e.stage === stage);
const doneOf = (events: readonly RunEvent[], stage: string) =>
  events.find((e): e is Extract<RunEvent, { type: 'stage-done' }> => e.type === 'stage-done' && e.stage === stage);

/** The cache entry file of a stage's current key (from the per-pipeline index). */
async function entryFile(
  ctx: Ctx,
  stage: string,
  cache = 'cache',
): Promise<{ file: string; entry: { outputHash: string; blobs: Record<string, { hash: string; size: number }>; refs?: { hash: string; size: number }[] } }> {
  const index = JSON.parse(await readFile(path.join(ctx.dir, cache, 'index', 'cache-test', `${stage}.json`), 'utf8')) as { key: string };
  const file = path.join(ctx.dir, cache, 'entries', `${index.key}.json`);
  return { file, entry: (JSON.parse(await readFile(file, 'utf8')) as { entry: never }).entry };
}

const objectFile = (ctx: Ctx, hash: string) => path.join(ctx.dir, 'cache', 'objects', hash.slice(0, 2), hash);

function countFiles(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? countFiles(path.join(dir, entry.name)) : 1;
  return n;
}

Cache('second run: every stage served from cache, no file read, nothing decoded', async (ctx) => {
  const first = await run(ctx);
  assert.equal(startedStages(first.events), ALL);
  assert.is(decodedCount(first.events), 24);
  assert.is(ctx.reads[0], 24, 'first run reads each file once');
  assert.is(countFiles(path.join(ctx.dir, 'cache', 'ingest-jobs')), 1, 'one finished shard job for 24 small files');

  const second = await run(ctx);
  assert.equal(cachedStages(second.events), ALL);
  assert.equal(startedStages(second.events), []);
  assert.is(second.done.cacheHits, ALL.length);
  assert.is(decodedCount(second.events), undefined, 'ingest did not run');
  assert.is(ctx.reads[1], 0, 'the stat cache answers for every unchanged file');
  const report = JSON.parse(await readFile(path.join(ctx.dir, 'out', 'run.json'), 'utf8')) as { stages: { cached: boolean }[] };
  assert.ok(
    report.stages.every((s) => s.cached),
    'run.json says every stage came from cache',
  );

  // Same keys both times, and status agrees.
  const statuses = await ctx.rt.pipelineStatus(makePipeline(ctx.m), opts(ctx));
  assert.equal(
    statuses.map((s) => s.state),
    ALL.map(() => 'cached'),
  );
});

Cache('one config field changed (fit epochs): only fit reruns, and status names the field', async (ctx) => {
  await run(ctx, { epochs: 1 });
  const statuses = await ctx.rt.pipelineStatus(makePipeline(ctx.m, { epochs: 2 }), opts(ctx));
  assert.equal(
    statuses.map((s) => [s.stage, s.state]),
    [
      ['ingest', 'cached'],
      ['normalize', 'cached'],
      ['split', 'cached'],
      ['build', 'cached'],
      ['fit', 'stale'],
    ],
  );
  assert.equal(statuses[4]!.reasons, [{ kind: 'config', fields: ['epochs'] }]);
  const { describeMissReason } = await import('../../src/view/format.ts');
  assert.is(describeMissReason(statuses[4]!.reasons[0]!), 'config changed: epochs');

  const second = await run(ctx, { epochs: 2 });
  assert.equal(cachedStages(second.events), ['ingest', 'normalize', 'split', 'build']);
  assert.equal(startedStages(second.events), ['fit']);
  assert.equal(startOf(second.events, 'fit')!.reasons, [{ kind: 'config', fields: ['epochs'] }]);
  assert.is(second.events.filter((e) => e.type === 'epoch').length, 2);
});

Cache('split fractions changed: split and everything after it rerun; status names the field and the upstream', async (ctx) => {
  await run(ctx);
  const changed = { split: { fractions: { train: 0.5, val: 0.25, test: 0.25 } } };
  const statuses = await ctx.rt.pipelineStatus(makePipeline(ctx.m, changed), opts(ctx));
  assert.equal(
    statuses.map((s) => s.state),
    ['cached', 'cached', 'stale', 'after-upstream', 'after-upstream'],
  );
  assert.equal(statuses[2]!.reasons, [{ kind: 'config', fields: ['fractions'] }]);
  assert.equal(statuses[3]!.reasons, [{ kind: 'upstream', stage: 'split' }]);

  const second = await run(ctx, changed);
  assert.equal(cachedStages(second.events), ['ingest', 'normalize']);
  assert.equal(startedStages(second.events), ['split', 'build', 'fit']);
  assert.equal(startOf(second.events, 'build')!.reasons, [{ kind: 'upstream', stage: 'split' }]);
  // Nested fields are named by path once both sides have the object.
  const third = await ctx.rt.pipelineStatus(makePipeline(ctx.m, { split: { fractions: { train: 0.5, val: 0.3, test: 0.2 } } }), opts(ctx));
  assert.equal(third[2]!.reasons, [{ kind: 'config', fields: ['fractions.test', 'fractions.val'] }]);
});

Cache('seed changed: seeded stages rerun, ingest and normalize stay cached', async (ctx) => {
  await run(ctx, { seed: 5 });
  const second = await run(ctx, { seed: 6 });
  assert.equal(cachedStages(second.events), ['ingest', 'normalize']);
  assert.equal(startOf(second.events, 'split')!.reasons, [{ kind: 'env', parts: ['seed 5 → 6'] }]);
});

Cache('early cutoff: a rerun stage whose output is byte-identical keeps downstream cached', async (ctx) => {
  await run(ctx, { normalize: { method: 'zscore' } });
  // scope: 'dataset' is the default: a different config (a different key), the same output.
  const a = await run(ctx, { normalize: { method: 'zscore', scope: 'dataset' } });
  assert.equal(startedStages(a.events), ['normalize']);
  assert.equal(startOf(a.events, 'normalize')!.reasons, [{ kind: 'config', fields: ['scope'] }]);
  assert.is(doneOf(a.events, 'normalize')!.unchangedOutput, true);
  assert.equal(cachedStages(a.events), ['ingest', 'split', 'build', 'fit']);

  // The same for split (stratify: true is the default) in front of the model stages.
  const b = await run(ctx, { normalize: { method: 'zscore', scope: 'dataset' }, split: { stratify: true } });
  assert.equal(startedStages(b.events), ['split']);
  assert.is(doneOf(b.events, 'split')!.unchangedOutput, true);
  assert.equal(cachedStages(b.events), ['ingest', 'normalize', 'build', 'fit']);

  // An ingest rerun (concurrency changes the key, not the result): served by its finished shard
  // jobs, zero decodes, identical output, everything downstream cached.
  const c = await run(ctx, { normalize: { method: 'zscore', scope: 'dataset' }, split: { stratify: true }, concurrency: 2 });
  assert.equal(startedStages(c.events), ['ingest']);
  assert.is(decodedCount(c.events), 0);
  assert.is(doneOf(c.events, 'ingest')!.unchangedOutput, true);
  assert.equal(cachedStages(c.events), ['normalize', 'split', 'build', 'fit']);

  // A real change is not cut off: minmax produces other pixels.
  const d = await run(ctx, { normalize: { method: 'minmax' }, split: { stratify: true }, concurrency: 2 });
  assert.equal(startedStages(d.events), ['normalize', 'split', 'build', 'fit']);
  assert.is(doneOf(d.events, 'normalize')!.unchangedOutput, false);
});

Cache("stat cache: touching one file's bytes reads and decodes exactly that file; mtime alone decodes nothing", async (ctx) => {
  await run(ctx);
  const target = ctx.files[3]!;
  const rel = path.relative(path.join(ctx.dir, 'data'), target);

  // Same bytes, new mtime: hashed again (1 read), the key does not change, ingest stays cached.
  const later = new Date(Date.now() - 1800_000);
  await utimes(target, later, later);
  const touched = await run(ctx);
  assert.is(ctx.reads[1], 1);
  assert.is(decodedCount(touched.events), 0, 'read and found unchanged: its old record is copied');
  assert.equal(cachedStages(touched.events), ALL);

  // New bytes: status names the file, the run decodes only it.
  await writeGreyPng(target, 90, 4242, 16);
  const statuses = await ctx.rt.pipelineStatus(makePipeline(ctx.m), opts(ctx));
  assert.is(statuses[0]!.state, 'stale');
  assert.equal(statuses[0]!.reasons, [{ kind: 'files', added: 0, removed: 0, changed: 1, examples: [rel] }]);
  const changed = await run(ctx);
  assert.equal(startedStages(changed.events)[0], 'ingest');
  assert.is(decodedCount(changed.events), 1, 'exactly one decode');
  assert.is(ctx.reads.at(-1), 1, 'exactly one file read');
  assert.match(logsOf(changed.events, 'ingest').join('\n'), /23 files copied from earlier shards/, 'the rest of its shard is copied, not decoded');
});

Cache("one changed file rewrites only its job's shard: every other shard of the data set is kept as it was, and the outputs are a cold run's", async (ctx) => {
  // Jobs of about 4 files (24 files: several jobs), so "only the shard it touches" can be told apart from "all of them".
  // A dataset z-score: split merges every record's moments, which the reused jobs' rows do not carry.
  process.env.MEDPIPE_SHARD_FILES = '4';
  const v: Variant = { normalize: { method: 'zscore', scope: 'dataset' } };
  try {
    await run(ctx, v);
    const refsOf = async () => new Set((await entryFile(ctx, 'ingest')).entry.refs!.map((r) => r.hash));
    const before = await refsOf();
    assert.ok(before.size >= 3, `${before.size} shards: the data set spans several jobs`);
    await writeGreyPng(ctx.files[7]!, 33, 5151, 16);
    const changed = await run(ctx, v);
    assert.is(decodedCount(changed.events), 1, 'exactly one decode');
    const after = await refsOf();
    const added = [...after].filter((h) => !before.has(h));
    const dropped = [...before].filter((h) => !after.has(h));
    assert.is(added.length, 1, 'one new shard: the touched job rewritten');
    assert.is(dropped.length, 1, 'one shard replaced');
    assert.is(after.size, before.size, 'every other shard is referenced unchanged');
    assert.match(logsOf(changed.events, 'ingest').join('\n'), new RegExp(`\\(${before.size - 1} of ${before.size} shard jobs reused whole`));
    // The same data ingested cold into another cache: the same manifest, statistics and splits.
    const cold = await run(ctx, v, 'cold');
    assert.is(decodedCount(cold.events), 24);
    for (const stage of ['ingest', 'normalize', 'split']) {
      assert.is(
        (await entryFile(ctx, stage)).entry.outputHash,
        (await entryFile(ctx, stage, 'cold')).entry.outputHash,
        `${stage}: the incremental output is the cold one`,
      );
    }
  } finally {
    delete process.env.MEDPIPE_SHARD_FILES;
  }
});

Cache('adding one image decodes one; removing one decodes none', async (ctx) => {
  await run(ctx);
  await writeGreyPng(path.join(ctx.dir, 'data', 'b', 'b_new.png'), 190, 777, 16);
  const added = await run(ctx);
  assert.equal(startOf(added.events, 'ingest')!.reasons, [{ kind: 'files', added: 1, removed: 0, changed: 0, examples: ['b/b_new.png'] }]);
  assert.is(decodedCount(added.events), 1);
  assert.is(ctx.reads.at(-1), 1);
  assert.match(doneOf(added.events, 'ingest')!.summary ?? '', /^25 images/);

  await rm(path.join(ctx.dir, 'data', 'a', 'a_000.png'));
  const removed = await run(ctx);
  assert.equal(startOf(removed.events, 'ingest')!.reasons, [{ kind: 'files', added: 0, removed: 1, changed: 0, examples: ['a/a_000.png'] }]);
  assert.is(decodedCount(removed.events), 0);
  assert.match(doneOf(removed.events, 'ingest')!.summary ?? '', /^24 images/);
});

Cache(
  'a large listing unchanged since its last key is recognised by its paths and stats alone; a changed file, or its key object gone, falls back to the stat cache',
  async (ctx) => {
    // Over the 2,000 files from which the key holds a listing object instead of the files.
    const files = await makeClassFolders(path.join(ctx.dir, 'big'), 1010, { size: 8 });
    for (const file of files) await utimes(file, HOUR_AGO, HOUR_AGO);
    const { StatCache } = await import('../../src/runtime/stat-cache.ts');
    let lookups = 0;
    const known = StatCache.prototype.known;
    const knownAll = StatCache.prototype.knownAll;
    StatCache.prototype.known = function (this: InstanceType<typeof StatCache>, ...args: Parameters<typeof known>) {
      lookups++;
      return known.apply(this, args);
    };
    StatCache.prototype.knownAll = function (this: InstanceType<typeof StatCache>, ...args: Parameters<typeof knownAll>) {
      lookups += args[0].length;
      return knownAll.apply(this, args);
    };
    try {
      const big = () => ctx.m.pipeline('cache-test', { seed: 5 }).stage(ctx.m.ingest.folder({ root: 'big', size: [8, 8], channels: 1 }));
      const once = async () => {
        lookups = 0;
        const collected = await runCollect(big(), opts(ctx));
        assertOk(collected);
        return { collected, lookups, key: (await entryFile(ctx, 'ingest')).file };
      };
      const first = await once();
      assert.is(decodedCount(first.collected.events), 2020);
      const second = await once();
      assert.equal(cachedStages(second.collected.events), ['ingest']);
      assert.is(second.lookups, 0, 'no stat-cache lookup per file: the listing digest matched');
      assert.is(second.key, first.key, 'the same key as when the files were listed one by one');

      // New bytes in one file (mtime set back outside the racy window): the digest differs, the file is read.
      await writeGreyPng(files[7]!, 200, 4242, 8);
      await utimes(files[7]!, HOUR_AGO, new Date(HOUR_AGO.getTime() + 5000));
      const changed = await once();
      assert.is(decodedCount(changed.collected.events), 1);
      assert.ok(changed.lookups >= 2020, 'the stat cache answers for the others');
      assert.is(ctx.reads.at(-1), 1, "the others' hashes come from the stat cache's snapshot of the folder: one file read");
      assert.is.not(changed.key, first.key);

      // The listing object named by the remembered digest is gone (e.g. cleaned): the files are listed one by one again, same key.
      const third = await once();
      assert.is(third.lookups, 0);
      const { entry } = JSON.parse(await readFile(third.key, 'utf8')) as { entry: { inputs: { listing: { hash: string } } } };
      await rm(objectFile(ctx, entry.inputs.listing.hash));
      const fourth = await once();
      assert.equal(cachedStages(fourth.collected.events), ['ingest']);
      assert.ok(fourth.lookups >= 2020);
      assert.is(fourth.key, third.key);
    } finally {
      StatCache.prototype.known = known;
      StatCache.prototype.knownAll = knownAll;
    }
  },
);

Cache('torn writes: a truncated or tampered entry is a miss, recomputed, no crash', async (ctx) => {
  await run(ctx);
  const split = await entryFile(ctx, 'split');
  const text = await readFile(split.file, 'utf8');
  await truncate(split.file, Math.floor(text.length / 2));
  const a = await run(ctx);
  assert.equal(startedStages(a.events), ['split']);
  assert.equal(startOf(a.events, 'split')!.reasons, [{ kind: 'corrupt', detail: 'the entry was missing or failed verification' }]);
  assert.is(doneOf(a.events, 'split')!.unchangedOutput, true, 'recomputed to the same output: the model stages stay cached');

  // Valid JSON whose checksum no longer matches (a field edited by hand).
  const fit = await entryFile(ctx, 'fit');
  await writeFile(fit.file, (await readFile(fit.file, 'utf8')).replace('"summary":"', '"summary":"edited '));
  const b = await run(ctx);
  assert.equal(startedStages(b.events), ['fit']);

  // Leftover temp files of a write that was killed mid-way are ignored.
  await writeFile(path.join(ctx.dir, 'cache', 'entries', '.tmp-99999-abcdef'), '{"checksum":');
  await writeFile(path.join(ctx.dir, 'cache', 'entries', `${'0'.repeat(64)}.json`), '');
  const c = await run(ctx);
  assert.equal(cachedStages(c.events), ALL);
});

Cache('a cached output damaged after planning is planned again and recomputed to the same output when a later stage loads it', async (ctx) => {
  await run(ctx);
  const ingest = await entryFile(ctx, 'ingest');
  const normalize = await entryFile(ctx, 'normalize');
  // Same size, other bytes: the lookup (sizes) serves both entries; reading the blob (its hash) fails.
  const samples = objectFile(ctx, ingest.entry.blobs.samples!.hash);
  const bytes = await readFile(samples);
  bytes[0] = bytes[0]! ^ 0xff;
  await writeFile(samples, bytes);
  const a = await run(ctx, { split: { stratify: false } });
  assert.equal(cachedStages(a.events), ['ingest', 'normalize']);
  assert.equal(startedStages(a.events), ['split', 'build', 'fit']);
  for (const stage of ['ingest', 'normalize']) assert.ok(logsOf(a.events, stage).includes('cache entry failed verification; recomputing'), stage);
  assert.is((await entryFile(ctx, 'ingest')).entry.outputHash, ingest.entry.outputHash, 'ingest recomputed to the same output');
  assert.is((await entryFile(ctx, 'normalize')).entry.outputHash, normalize.entry.outputHash);
  assert.ok(existsSync(samples), 'the recomputed output stored its blob again');
  const b = await run(ctx, { split: { stratify: false } });
  assert.equal(cachedStages(b.events), ALL);
});

Cache('torn shards: a truncated shard is a miss and re-ingested; a same-size damaged one fails the read, is removed, and the next run heals', async (ctx) => {
  await run(ctx);
  const ingest = await entryFile(ctx, 'ingest');
  const shards = ingest.entry.refs!;
  assert.ok(shards.length >= 1, 'the dataset points at its shards');

  // Truncated: the ingest entry fails its size check, the job is redone (its files decoded again).
  await truncate(objectFile(ctx, shards[0]!.hash), 10);
  const a = await run(ctx);
  assert.equal(startedStages(a.events), ['ingest']);
  assert.ok((decodedCount(a.events) ?? 0) > 0);
  assert.is(doneOf(a.events, 'ingest')!.unchangedOutput, true, 'the same records again');
  assert.equal(startedStages((await run(ctx)).events), [], 'repaired: the next run is all cached');

  // Same size, flipped bytes: nothing notices until a record is read; that read fails with
  // CACHE_CORRUPT naming the shard and removes it, so the next run re-ingests and carries on.
  const object = objectFile(ctx, shards[0]!.hash);
  const bytes = await readFile(object);
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(object, bytes);
  const changed = { split: { fractions: { train: 0.5, val: 0.25, test: 0.25 } } };
  const failed = await runCollect(makePipeline(ctx.m, changed), opts(ctx));
  assert.is(failed.done.ok, false);
  assert.is(failed.done.error?.code, 'CACHE_CORRUPT');
  assert.match(failed.done.error!.message, /shard .* is damaged: the record at byte \d+ does not match its CRC-32/, failed.done.error!.message);
  assert.not.ok(existsSync(object), 'the damaged shard is gone');
  const b = await run(ctx, changed);
  assert.equal(startedStages(b.events)[0], 'ingest');
  assert.is(doneOf(b.events, 'ingest')!.unchangedOutput, true);
  // The split made from the re-ingested data equals a split made in a clean cache.
  await run(ctx, changed, 'clean-cache');
  const [healed, clean] = [await entryFile(ctx, 'split'), await entryFile(ctx, 'split', 'clean-cache')];
  assert.is(healed.entry.outputHash, clean.entry.outputHash);
  assert.is(
    createHash('sha256')
      .update(await readFile(object))
      .digest('hex'),
    shards[0]!.hash,
    'the shard was rewritten, bit for bit',
  );
});

Cache('a damaged stat cache is rebuilt, not trusted; records of an earlier shard are copied, not decoded', async (ctx) => {
  await run(ctx);
  // The stat cache becomes garbage: every file is hashed again, nothing is decoded, nothing else changes.
  await writeFile(path.join(ctx.dir, 'cache', 'stat.sqlite'), 'not a database');
  const a = await run(ctx, { concurrency: 2 }); // concurrency: a new ingest key, so ingest runs
  assert.is(ctx.reads.at(-1), 24, 'stat cache rebuilt from scratch');
  assert.is(decodedCount(a.events), 0, 'the files were read, found unchanged and their records reused');
  assert.is(doneOf(a.events, 'ingest')!.unchangedOutput, true);
  const b = await run(ctx, { concurrency: 2 });
  assert.is(ctx.reads.at(-1), 0, 'and the stat cache is whole again');
  assert.equal(cachedStages(b.events), ALL);
});

Cache('a failed run keeps its finished stages; the next run resumes at the first unfinished one', async (ctx) => {
  const failing = ctx.m.build.custom(() => {
    throw new Error('boom in custom build');
  });
  const failed = await runCollect(makePipeline(ctx.m, { build: failing as never }), opts(ctx));
  assert.is(failed.done.ok, false);
  const stageFailed = failed.events.find((e) => e.type === 'stage-failed') as Extract<RunEvent, { type: 'stage-failed' }>;
  assert.is(stageFailed.stage, 'build');
  assert.match(stageFailed.error.message, /boom in custom build/);
  const resumed = await run(ctx);
  assert.equal(cachedStages(resumed.events), ['ingest', 'normalize', 'split']);
  assert.equal(startedStages(resumed.events), ['build', 'fit']);
});

Cache('cancelling (AbortSignal) mid-fit ends the run as CANCELLED and keeps the finished stages', async (ctx) => {
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const done = await ctx.rt.runToCompletion(makePipeline(ctx.m, { epochs: 50 }), { ...opts(ctx), signal: controller.signal }, (e) => {
    events.push(e);
    if (e.type === 'epoch') controller.abort();
  });
  assert.is(done.ok, false);
  assert.is(done.error?.code, 'CANCELLED');
  assert.ok(events.filter((e) => e.type === 'epoch').length < 50);
  assert.not.ok(events.some((e) => e.type === 'stage-done' && e.stage === 'fit'));
  const statuses = await ctx.rt.pipelineStatus(makePipeline(ctx.m, { epochs: 50 }), opts(ctx));
  assert.equal(
    statuses.map((s) => s.state),
    ['cached', 'cached', 'cached', 'cached', 'stale'],
  );
  // No half-written entries or temp files were left behind.
  const leftovers = (await readdir(path.join(ctx.dir, 'cache', 'entries'))).filter((n) => !n.endsWith('.json'));
  assert.equal(leftovers, []);
  // The stat cache keeps what the cancelled run learned (rows are written as each job finishes).
  assert.ok((await stat(path.join(ctx.dir, 'cache', 'stat.sqlite'))).size > 0);
});

Cache('report.html: a cached rerun takes its plots from the cache, not drawn again; a changed evaluation draws them anew', async (ctx) => {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  const evaluated = (resamples?: number) =>
    makePipeline(ctx.m).stage(ctx.m.evaluate({ gradCam: false, png: false, ...(resamples ? { bootstrap: { resamples } } : {}) }));
  const plotEntries = async () => (await new CacheStore(path.join(ctx.dir, 'cache')).listEntries()).filter((e) => e.kind === 'report.plots');
  const svgsOf = async () => [...(await readFile(path.join(ctx.dir, 'out', 'report.html'), 'utf8')).matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
  assertOk(await runCollect(evaluated(), opts(ctx)));
  const [drawn] = await plotEntries();
  assert.ok(drawn, 'the first run drew the plots and kept them');
  const first = await svgsOf();
  assert.ok(first.length >= 4, 'report.html shows the plots');

  const again = await runCollect(evaluated(), opts(ctx));
  assertOk(again);
  assert.equal(cachedStages(again.events), [...ALL, 'evaluate']);
  const kept = await plotEntries();
  assert.is(kept.length, 1);
  assert.is(kept[0]!.createdAt, drawn.createdAt, 'served from the memo: not drawn (and stored) again');
  assert.equal(await svgsOf(), first, 'the same plots, byte for byte');

  assertOk(await runCollect(evaluated(300), opts(ctx)));
  assert.is((await plotEntries()).length, 2, 'another evaluation: its plots are drawn');
});

Cache('an entry whose meta holds NaN or Infinity (undefined metrics) is served, not rejected as damaged', async (ctx) => {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  const store = new CacheStore(path.join(ctx.dir, 'nan-cache'));
  await store.ensure();
  const base = { key: 'k'.repeat(64), stage: 's', kind: 'evaluate', pipeline: 'p', inputs: {} as never, summary: 'x', ms: 1 };
  await store.put(base, { meta: { auc: Number.NaN, slope: Number.POSITIVE_INFINITY, ok: 1 }, blobs: {} });
  const entry = await store.get(base.key);
  assert.ok(entry, 'the entry verifies');
  assert.equal(entry!.meta, { auc: null, slope: null, ok: 1 }, 'as JSON stores them');
});

Cache.run();
