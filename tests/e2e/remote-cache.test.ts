// Runs with a remote cache: a second, clean cache restores a whole pipeline from it (file:// and an
// S3 server on loopback), `status` says which stages it would serve, and the faults: a damaged blob
// is a miss and a recompute that leaves no trace locally, an untrusted signer and wrong credentials
// are one warning each and the run goes on locally, read mode uploads nothing, and a process
// killed at any upload leaves no entry pointing at a missing blob.
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunEvent } from '../../src/runtime/events.ts';
import type { RunOptions } from '../../src/runtime/run.ts';
import { cachedStages, decodedCount, logsOf, makeClassFolders, medpipeCli, runCollect, runOk, startedStages, type Medpipe } from '../helpers/core.ts';
import { danglingEntries, listRemote, makeKeys, type Keys } from '../helpers/remote.ts';
import { runSuite, type RunContext } from '../helpers/run-suite.ts';
import { startS3Server, type S3Server } from '../helpers/s3-server.ts';

interface Ctx extends RunContext {
  keys: Keys;
  remote: string;
  s3: S3Server;
  first: { events: RunEvent[] };
}

const Remote = runSuite<Ctx>('remote cache in runs', 'remote-e2e');
const STAGES = ['ingest', 'normalize', 'split', 'build', 'fit', 'evaluate'];

function tiny(m: Medpipe) {
  return m
    .pipeline('remote', { seed: 5 })
    .stage(m.ingest.folder({ root: 'data', channels: 1, size: [8, 8] }))
    .stage(m.normalize({ method: 'rescale' }))
    .stage(m.split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }))
    .stage(m.build.tutorialCnn({ filters: [2, 2] }))
    .stage(m.fit({ epochs: 2, batchSize: 8 }))
    .stage(m.evaluate({ png: false, gradCam: false }));
}

const stageEntries = <E extends { kind: string }>(entries: readonly E[]) => entries.filter((e) => !e.kind.endsWith('.export'));
const warningsOf = (events: readonly RunEvent[]) => events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));
const remoteHits = (events: readonly RunEvent[]) => events.flatMap((e) => (e.type === 'stage-cached' && e.source === 'remote' ? [e.stage] : []));

async function outputs(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    // run.json holds times; dot files hold this folder's absolute paths.
    if (name === 'run.json' || name.startsWith('.') || !/\.(json|csv|txt)$/.test(name)) continue;
    out[name] = await readFile(path.join(dir, name), 'utf8');
  }
  return out;
}

Remote.before(async (ctx) => {
  ctx.keys = await makeKeys(ctx.dir);
  await makeClassFolders(path.join(ctx.dir, 'data'), 16, { size: 8 });
  ctx.remote = `file://${path.join(ctx.dir, 'remote')}`;
  ctx.s3 = await startS3Server();
  const first = await runOk(tiny(ctx.m), {
    cacheDir: path.join(ctx.dir, 'cache-a'),
    outDir: path.join(ctx.dir, 'out-a'),
    baseDir: ctx.dir,
    remote: { url: ctx.remote, mode: 'readwrite', key: ctx.keys.a },
  });
  ctx.first = first;
});
Remote.after(async (ctx) => {
  await ctx.s3?.stop();
});

const reader = (ctx: Ctx, name: string, remote: Partial<NonNullable<RunOptions['remote']>> = {}): RunOptions => ({
  cacheDir: path.join(ctx.dir, `cache-${name}`),
  outDir: path.join(ctx.dir, `out-${name}`),
  baseDir: ctx.dir,
  remote: { url: ctx.remote, mode: 'read', trust: [ctx.keys.aPub], ...remote },
});

Remote(
  'a readwrite run uploads every stage, blobs before entries; a clean cache then restores all of it with equal outputs and uploads nothing',
  async (ctx) => {
    const before = await listRemote(path.join(ctx.dir, 'remote'));
    assert.equal(
      stageEntries(before.entries)
        .map((e) => e.stage)
        .sort(),
      [...STAGES].sort(),
    );
    assert.equal(
      before.entries
        .filter((e) => e.kind.endsWith('.export'))
        .map((e) => e.stage)
        .sort(),
      ['evaluate', 'fit'],
      'and the files they export',
    );
    assert.equal(await danglingEntries(path.join(ctx.dir, 'remote')), []);
    const second = await runOk(tiny(ctx.m), reader(ctx, 'b'));
    assert.equal(remoteHits(second.events), STAGES);
    assert.equal(startedStages(second.events), [], 'nothing computed');
    // The key came from hashing the files (no ingest on the way, as a run without a remote does to learn it).
    assert.is(decodedCount(second.events), undefined, 'no file decoded');
    assert.equal(warningsOf(second.events), []);
    assert.equal(await outputs(path.join(ctx.dir, 'out-b')), await outputs(path.join(ctx.dir, 'out-a')));
    const after = await listRemote(path.join(ctx.dir, 'remote'));
    assert.equal([after.entries.length, after.blobs.length], [before.entries.length, before.blobs.length], 'mode read: zero uploads');
    const again = await runCollect(tiny(ctx.m), reader(ctx, 'b'));
    assert.equal(cachedStages(again.events), STAGES);
    assert.equal(remoteHits(again.events), [], 'the second time, all local');
  },
);

Remote('medpipe status says which stages the remote would serve, without downloading', async (ctx) => {
  const { pipelineStatus } = await import('../../src/runtime/run.ts');
  const options = reader(ctx, 'status');
  const statuses = await pipelineStatus(tiny(ctx.m), options);
  assert.equal(
    statuses.map((s) => s.state),
    STAGES.map(() => 'remote'),
  );
  assert.equal(await readdir(path.join(ctx.dir, 'cache-status', 'entries')).catch(() => []), [], 'nothing downloaded');
});

Remote('a damaged remote blob is a miss: the stage is recomputed, one warning, nothing bad reaches the local cache', async (ctx) => {
  const root = path.join(ctx.dir, 'remote');
  const fit = stageEntries((await listRemote(root)).entries).find((e) => e.stage === 'fit')!;
  const weights = fit.blobs['weights.bin']!;
  const file = path.join(root, 'cas', weights.hash.slice(0, 2), weights.hash);
  const good = await readFile(file);
  await writeFile(file, good.subarray(0, good.byteLength - 7));
  try {
    const run = await runOk(tiny(ctx.m), reader(ctx, 'damaged'));
    const started = startedStages(run.events);
    assert.equal(started[0], 'fit', 'fit recomputed');
    assert.equal(remoteHits(run.events).slice(0, 4), ['ingest', 'normalize', 'split', 'build']);
    // One warning per entry that names the blob (evaluate's output holds the model too).
    const warnings = warningsOf(run.events);
    assert.ok(warnings.length >= 1 && warnings.every((w) => /is damaged .*a miss, computing locally/.test(w)), warnings.join(' | '));
    assert.match(warnings[0]!, /'fit'/);
    // Nothing in the local cache fails its own name: the damaged bytes never got in.
    const objects = path.join(ctx.dir, 'cache-damaged', 'objects');
    for (const prefix of await readdir(objects)) {
      for (const name of await readdir(path.join(objects, prefix))) {
        assert.is(
          createHash('sha256')
            .update(await readFile(path.join(objects, prefix, name)))
            .digest('hex'),
          name,
        );
      }
    }
  } finally {
    await writeFile(file, good);
  }
});

Remote('entries signed by an untrusted key: the run computes locally, with one warning', async (ctx) => {
  const run = await runOk(tiny(ctx.m), reader(ctx, 'untrusted', { trust: [ctx.keys.bPub] }));
  assert.equal(startedStages(run.events), STAGES);
  const warnings = warningsOf(run.events);
  assert.is(warnings.length, 1, warnings.join(' | '));
  assert.match(warnings[0]!, /not trusted.*--remote-trust/);
});

Remote('an S3 store (s3rver on loopback): the same round trip; wrong credentials are one warning and the run goes on locally', async (ctx) => {
  const saved = { ...process.env };
  Object.assign(process.env, ctx.s3.env);
  try {
    const url = `s3://${ctx.s3.bucket}/e2e`;
    const write = await runOk(tiny(ctx.m), { ...reader(ctx, 's3-a', { url, mode: 'readwrite', key: ctx.keys.a }) });
    assert.equal(warningsOf(write.events), []);
    const read = await runOk(tiny(ctx.m), reader(ctx, 's3-b', { url }));
    assert.equal(warningsOf(read.events), []);
    assert.equal(remoteHits(read.events), STAGES);
    assert.equal(await outputs(path.join(ctx.dir, 'out-s3-b')), await outputs(path.join(ctx.dir, 'out-s3-a')));
    process.env.AWS_ACCESS_KEY_ID = 'NOT-OUR-KEY';
    const denied = await runOk(tiny(ctx.m), reader(ctx, 's3-c', { url }));
    assert.equal(startedStages(denied.events), STAGES);
    const warnings = warningsOf(denied.events);
    assert.is(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0]!, /failed while reading \(InvalidAccessKeyId.*the run goes on with the local cache only. Fix: check AWS_ACCESS_KEY_ID/);
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
});

Remote('a process killed right after any upload leaves no remote entry pointing at a missing blob, and the next run completes the remote', async (ctx) => {
  const file = path.join(ctx.dir, 'data-only.mts');
  await writeFile(
    file,
    `import { pipeline, ingest, normalize, split } from ${JSON.stringify(path.join(process.cwd(), 'src', 'index.ts'))};\n` +
      `export default pipeline('sweep', { seed: 5 }).stage(ingest.folder({ root: 'data', channels: 1, size: [8, 8] })).stage(normalize({ method: 'rescale' })).stage(split());\n`,
  );
  const args = (name: string) => [
    'run',
    file,
    '--plain',
    '--cache',
    path.join(ctx.dir, `sweep-cache-${name}`),
    '--out',
    path.join(ctx.dir, `sweep-out-${name}`),
    '--remote',
    `file://${path.join(ctx.dir, `sweep-remote-${name}`)}`,
    '--remote-mode',
    'readwrite',
    '--remote-key',
    ctx.keys.a,
  ];
  const counted = await medpipeCli(args('count'), { env: { MEDPIPE_CRASH_AFTER: 'upload:count' } });
  assert.is(counted.code, 0, counted.stderr);
  const total = Number(/medpipe crash points: (\d+)/.exec(counted.stderr)?.[1]);
  assert.ok(total >= 9, `uploads counted: ${total} (3 stages: their blobs and entries)`);
  for (let n = 1; n <= total; n++) {
    const killed = await medpipeCli(args(String(n)), { env: { MEDPIPE_CRASH_AFTER: `upload:${n}` } });
    assert.is(killed.signal, 'SIGKILL', `killed after upload ${n}`);
    const root = path.join(ctx.dir, `sweep-remote-${n}`);
    assert.equal(await danglingEntries(root), [], `after upload ${n}`);
    const rerun = await medpipeCli(args(String(n)));
    assert.is(rerun.code, 0, rerun.stderr);
    const { entries } = await listRemote(root);
    assert.equal(
      stageEntries(entries)
        .map((e) => e.stage)
        .sort(),
      ['ingest', 'normalize', 'split'],
      `after upload ${n}, rerun`,
    );
    assert.equal(await danglingEntries(root), []);
  }
});

Remote.run();
