// The pipeline as data and its validation: frozen values, every problem reported at once, and the
// run-time twin of the type-level order check for pipelines built in plain JavaScript.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadMedpipe, loadRuntime, makeClassFolders, removeDir, runCollect, tempDir, type Medpipe } from '../helpers/core.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

const Graph = suite<Ctx>('pipeline graph: frozen data and whole-graph validation');

Graph.before(async (ctx) => {
  ctx.m = await loadMedpipe();
});

Graph.before.each(async (ctx) => {
  ctx.dir = await tempDir('graph');
  await mkdir(path.join(ctx.dir, 'data'));
});

Graph.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

const options = (ctx: Ctx) => ({ cacheDir: path.join(ctx.dir, 'cache'), outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir });

Graph('a pipeline is frozen data; .stage returns a new pipeline and leaves the old one as it was', ({ m }) => {
  const base = m.pipeline('frozen', { seed: 3 }).stage(m.ingest.folder({ root: 'data', size: [8, 8] }));
  const longer = base.stage(m.normalize());
  assert.is(base.stages.length, 1);
  assert.is(longer.stages.length, 2);
  assert.ok(Object.isFrozen(base) && Object.isFrozen(base.stages) && Object.isFrozen(base.options));
  const node = longer.stages[0]!;
  assert.ok(Object.isFrozen(node) && Object.isFrozen(node.config), 'stage nodes and configs are frozen');
  assert.ok(Object.isFrozen((node.config as { size: number[] }).size), 'nested config values are frozen');
  assert.throws(() => (longer.stages as unknown as unknown[]).push(node));
  assert.throws(() => {
    'use strict';
    (node.config as { root: string }).root = 'elsewhere';
  });
  assert.equal(
    longer.stages.map((s) => [s.kind, s.id, s.ports.in, s.ports.out]),
    [
      ['ingest.folder', 'ingest', 'an empty pipeline', 'images'],
      ['normalize', 'normalize', 'images', 'images'],
    ],
  );
  // JSON round trip: the graph is plain data — exactly these fields, nothing hidden (no functions,
  // no class instances), and the config as written.
  assert.equal(JSON.parse(JSON.stringify(longer.stages)), [
    { kind: 'ingest.folder', id: 'ingest', config: { root: 'data', size: [8, 8] }, ports: { in: 'an empty pipeline', out: 'images' } },
    { kind: 'normalize', id: 'normalize', config: { method: 'rescale' }, ports: { in: 'images', out: 'images' } },
  ]);
  for (const stage of longer.stages) assert.equal(Object.keys(stage).sort(), ['config', 'id', 'kind', 'ports']);
  assert.is(typeof (longer as unknown as { then?: unknown }).then, 'undefined', 'not a thenable');
});

Graph('every problem is reported at once: a missing data folder, bad configs', async (ctx) => {
  const { m } = ctx;
  const p = m
    .pipeline('broken')
    .stage(m.ingest.folder({ root: 'no-such-folder', size: [0, 8] as unknown as [number, number] }))
    .stage(m.normalize({ method: 'clip', low: 5, high: 1 }))
    .stage(m.normalize())
    .stage(m.split({ fractions: { train: 0.5, val: 0.3, test: 0.3 } }))
    .stage(m.build.tutorialCnn())
    .stage(m.fit({ epochs: 0, batchSize: 1.5 }))
    .stage(m.evaluate({ threshold: 2 }));
  // A second normalize gets its own id instead of clashing with the first.
  assert.equal(
    p.stages.map((s) => s.id).filter((id) => id.startsWith('normalize')),
    ['normalize', 'normalize-2'],
  );
  const { done, events } = await runCollect(p, options(ctx));
  assert.is(done.ok, false);
  assert.is(done.error?.code, 'INVALID_PIPELINE');
  const message = done.error!.message;
  for (const expected of [
    /has \d+ problem/,
    /data folder .*no-such-folder does not exist/,
    /ingest\.size\[0\]: must be > 0, got 0/,
    /normalize: clip needs high > low, got \[5, 1\]/,
    /split\.fractions: fractions must add up to 1/,
    /fit\.epochs: must be > 0, got 0/,
    /fit\.batchSize: must be a whole number, got 1.5/,
    /evaluate\.threshold: must be <= 1, got 2/,
  ]) {
    assert.match(message, expected);
  }
  assert.match(done.error!.fix ?? '', /Fix the listed problems/);
  // Nothing ran: validation comes before any stage.
  assert.not.ok(events.some((e) => e.type === 'stage-start' || e.type === 'stage-cached'));

  // pipelineStatus validates the same way and throws one error with every issue.
  const { pipelineStatus } = await loadRuntime();
  try {
    await pipelineStatus(p, options(ctx));
    assert.unreachable('status of an invalid pipeline must throw');
  } catch (error) {
    const e = error as { code?: string; issues?: string[] };
    assert.is(e.code, 'INVALID_PIPELINE');
    assert.ok((e.issues?.length ?? 0) >= 7, `expected every issue, got ${JSON.stringify(e.issues)}`);
  }
});

Graph('a wrong order built in plain JavaScript is caught before running, with the same hint', async (ctx) => {
  const { m } = ctx;
  // What a .js pipeline can do: the types are not there to stop it.
  const loose = m.pipeline('js') as unknown as { stage(node: unknown): typeof loose; stages: unknown[] };
  const p = loose
    .stage(m.fit())
    .stage(m.ingest.folder({ root: 'data' }))
    .stage(m.build.tutorialCnn())
    .stage(m.evaluate());
  const { done } = await runCollect(p as never, options(ctx));
  assert.is(done.ok, false);
  assert.is(done.error?.code, 'INVALID_PIPELINE');
  const message = done.error!.message;
  assert.match(message, /stage #1 \(fit\) needs built model but gets an empty pipeline: add build\(\.\.\.\) before it/);
  assert.match(message, /stage #2 \(ingest\.folder\) needs an empty pipeline but gets trained model: it must be the first stage/);
  assert.match(message, /stage #3 \(build\) needs splits but gets images: add split\(\.\.\.\) before it/);
  assert.match(message, /stage #4 \(evaluate\) needs trained model but gets built model: add fit\(\.\.\.\) or tune\(\.\.\.\) before it/);
});

Graph('an empty pipeline and an unknown stage kind are clear errors', async (ctx) => {
  const { m } = ctx;
  const empty = await runCollect(m.pipeline('empty'), options(ctx));
  assert.is(empty.done.error?.code, 'INVALID_PIPELINE');
  assert.match(empty.done.error!.message, /no stages: start with ingest/);

  const bogus = Object.freeze({ kind: 'sharpen', id: 'sharpen', config: {}, ports: { in: 'images', out: 'images' } });
  const p = (m.pipeline('unknown').stage(m.ingest.folder({ root: 'data' })) as unknown as { stage(n: unknown): unknown }).stage(bogus);
  const unknown = await runCollect(p as never, options(ctx));
  assert.is(unknown.done.error?.code, 'INVALID_PIPELINE');
  assert.match(unknown.done.error!.message, /unknown stage kind 'sharpen'; use the stage factories exported by medpipe \(augment, build, .*ingest\.folder/);
});

Graph('a valid pipeline passes validation and runs', async (ctx) => {
  const { m } = ctx;
  await makeClassFolders(path.join(ctx.dir, 'data'), 6, { size: 8 });
  const p = m
    .pipeline('valid')
    .stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
    .stage(m.normalize())
    .stage(m.split());
  const { done } = await runCollect(p, options(ctx));
  assert.ok(done.ok, JSON.stringify(done.error));
});

Graph('a forced backend that cannot load is reported with the other problems, before anything runs', async (ctx) => {
  const { m } = ctx;
  const p = m
    .pipeline('forced')
    .stage(m.ingest.folder({ root: 'data', size: [8, 8] }))
    .stage(m.split())
    .stage(m.build.tutorialCnn())
    .stage(m.fit())
    .stage(m.evaluate());
  // Which backends cannot load depends on the machine (the tfjs-node packages are optional): test
  // one that cannot, as the runtime itself judges it, plus a name that never exists.
  const { forcedBackendProblem } = await import('../../src/backend/select.ts');
  const missing = (['tensorflow-gpu', 'tensorflow', 'native'] as const).find((b) => forcedBackendProblem(b) !== undefined);
  const cases: (readonly [string, RegExp])[] = [['warp-drive', /unknown backend 'warp-drive': use one of tensorflow-gpu, cuda, tensorflow, native, cpu/]];
  if (missing) cases.push([missing, new RegExp(`backend '${missing}' (needs|is not built)`)]);
  else console.warn('  (every optional backend loads on this machine: only the unknown-name case is checked)');
  for (const [backend, pattern] of cases) {
    const { done, events } = await runCollect(p, { ...options(ctx), backend });
    assert.is(done.error?.code, 'INVALID_PIPELINE');
    assert.match(done.error!.message, pattern);
    assert.not.ok(
      events.some((e) => e.type === 'stage-start'),
      'nothing ran',
    );
  }
});

Graph.run();
