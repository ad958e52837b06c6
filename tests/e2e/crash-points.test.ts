// "A crash mid-run never corrupts the cache", at every write boundary: MEDPIPE_CRASH_AFTER=n kills
// the process (SIGKILL) right after the n-th write, fsync or rename of a cache or output file
// (src/base/crash-point.ts). For a small pipeline the test counts its boundaries, then for every n
// kills a fresh run there and reruns it: each rerun must finish, never warn about a damaged entry,
// and end with exactly the uninterrupted run's outputs (same output hash per stage, same files).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_URL, makeClassFolders, medpipeCli, removeDir, tempDir } from '../helpers/core.ts';

const Crash = suite<{ dir: string }>('crash points: killed after every write, fsync and rename, the rerun ends as an uninterrupted run');

const PIPELINE = `import { pipeline, ingest, normalize, split } from '${ENTRY_URL}';

export default pipeline('crash', { seed: 2 })
  .stage(ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
  .stage(split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }));
`;

Crash.before(async (ctx) => {
  ctx.dir = await tempDir('crash');
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(path.join(ctx.dir, 'pipeline.ts'), PIPELINE);
  await makeClassFolders(path.join(ctx.dir, 'data'), 3, { size: 8 });
});
Crash.after(async (ctx) => removeDir(ctx.dir));

/** Each stage's output hash as the cache records it (index → verified entry). */
async function outputs(cacheDir: string): Promise<Record<string, string | undefined>> {
  const { CacheStore } = await import('../../src/runtime/cache-store.ts');
  const store = new CacheStore(cacheDir);
  const out: Record<string, string | undefined> = {};
  for (const stage of ['ingest', 'normalize', 'split']) {
    const index = await store.readIndex('crash', stage);
    out[stage] = index ? (await store.get(index.key))?.outputHash : undefined;
  }
  return out;
}

const run = (dir: string, name: string, env: Record<string, string> = {}) =>
  medpipeCli(['run', 'pipeline.ts', '--plain', '--cache', `cache-${name}`, '--out', `out-${name}`], { cwd: dir, env: { MEDPIPE_CRASH_AFTER: '', ...env } });

Crash('every boundary of ingest → normalize → split', async ({ dir }) => {
  const reference = await run(dir, 'ref', { MEDPIPE_CRASH_AFTER: 'count' });
  assert.is(reference.code, 0, reference.stdout + reference.stderr);
  const count = Number(/medpipe crash points: (\d+)/.exec(reference.stderr)?.[1]);
  // the shard (written, fsynced, renamed) and its job record, 3 stage outputs with their entries and indexes, run.json...
  assert.ok(count >= 40, `only ${count} crash points counted:\n${reference.stderr}`);
  const expected = await outputs(path.join(dir, 'cache-ref'));
  assert.ok(Object.values(expected).every(Boolean), JSON.stringify(expected));
  const expectedRun = JSON.parse(await readFile(path.join(dir, 'out-ref', 'run.json'), 'utf8')) as { stages: { key: string }[] };

  const sweep = async (n: number): Promise<void> => {
    const killed = await run(dir, `n${n}`, { MEDPIPE_CRASH_AFTER: String(n) });
    assert.is(killed.signal, 'SIGKILL', `crash point ${n} was not reached:\n${killed.stdout}${killed.stderr}`);
    const rerun = await run(dir, `n${n}`);
    assert.is(rerun.code, 0, `rerun after crash point ${n} failed:\n${rerun.stdout}${rerun.stderr}`);
    assert.not.match(rerun.stdout, /failed verification|warning:/, `crash point ${n}: the rerun met a damaged entry:\n${rerun.stdout}`);
    assert.equal(await outputs(path.join(dir, `cache-n${n}`)), expected, `crash point ${n}: outputs differ from the uninterrupted run`);
    const rerunReport = JSON.parse(await readFile(path.join(dir, `out-n${n}`, 'run.json'), 'utf8')) as { stages: { key: string }[] };
    assert.equal(
      rerunReport.stages.map((s) => s.key),
      expectedRun.stages.map((s) => s.key),
      `crash point ${n}: other keys`,
    );
    await removeDir(path.join(dir, `cache-n${n}`));
    await removeDir(path.join(dir, `out-n${n}`));
  };
  // Two at a time (a 2-core machine); each n has its own cache.
  for (let n = 1; n <= count; n += 2) await Promise.all([sweep(n), ...(n + 1 <= count ? [sweep(n + 1)] : [])]);
});

Crash.run();
