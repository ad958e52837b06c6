// The prebuilt bundle (dist/, scripts/bundle.mjs) that bin/medpipe.js runs when it matches the
// sources: when it counts as fresh, and that a pipeline run through it computes what the sources
// compute (same cache keys, same predictions), with its own worker-thread entry.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, makeClassFolders, medpipeCli, removeDir, tempDir, type CliResult } from '../helpers/core.ts';

interface FreshBundle {
  readonly dir?: string;
  readonly reason?: string;
}
interface BundleTools {
  readonly freshBundle: (root: string) => FreshBundle;
  readonly buildBundle: () => Promise<unknown>;
  readonly BUNDLED_PACKAGES: readonly string[];
}

/** bin/fresh-bundle.mjs and scripts/bundle.mjs: plain JavaScript beside the sources. */
async function tools(): Promise<BundleTools> {
  const load = (file: string) => import(pathToFileURL(path.join(ROOT, file)).href);
  return { ...(await load('bin/fresh-bundle.mjs')), ...(await load('scripts/bundle.mjs')) } as BundleTools;
}

interface Ctx {
  dir: string;
}

const Bundle = suite<Ctx>('bundle: dist/ is used only when fresh, and computes what the sources compute');

Bundle.after.each(async (ctx) => {
  await removeDir(ctx.dir);
  ctx.dir = '';
});

const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

Bundle('fresh only while every source file and bundled package is as it was built', async (ctx) => {
  const { freshBundle, BUNDLED_PACKAGES } = await tools();
  ctx.dir = await tempDir('bundle-fresh');
  const root = ctx.dir;
  await mkdir(path.join(root, 'src'), { recursive: true });
  await mkdir(path.join(root, 'dist'));
  const source = path.join(root, 'src', 'a.ts');
  await writeFile(source, 'export const a = 1;\n');
  const packages: Record<string, string> = {};
  for (const name of BUNDLED_PACKAGES) {
    await mkdir(path.join(root, 'node_modules', name), { recursive: true });
    await writeFile(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ version: '1.0.0' }));
    packages[name] = '1.0.0';
  }
  const { statSync } = await import('node:fs');
  const s = statSync(source);
  await writeFile(path.join(root, 'dist', 'inputs.json'), JSON.stringify({ packages, files: [['src/a.ts', s.size, s.mtimeMs]] }));
  assert.equal(freshBundle(root), { dir: path.join(root, 'dist') });

  const saved = process.env.MEDPIPE_BUNDLE;
  process.env.MEDPIPE_BUNDLE = '0';
  try {
    assert.is(freshBundle(root).reason, 'MEDPIPE_BUNDLE=0');
  } finally {
    if (saved === undefined) delete process.env.MEDPIPE_BUNDLE;
    else process.env.MEDPIPE_BUNDLE = saved;
  }

  // The same size, another mtime (an edit, a checkout): stale, naming the file.
  await utimes(source, new Date(), new Date(s.mtimeMs + 5000));
  assert.match(freshBundle(root).reason ?? '', /src\/a\.ts changed since dist\/ was built/);

  await writeFile(path.join(root, 'node_modules', BUNDLED_PACKAGES[0]!, 'package.json'), JSON.stringify({ version: '2.0.0' }));
  assert.match(freshBundle(root).reason ?? '', new RegExp(`${BUNDLED_PACKAGES[0]} is 2\\.0\\.0, dist/ has 1\\.0\\.0`));
  await writeFile(path.join(root, 'node_modules', BUNDLED_PACKAGES[0]!, 'package.json'), JSON.stringify({ version: '1.0.0' }));

  await rm(source);
  assert.match(freshBundle(root).reason ?? '', /src\/a\.ts changed/);
  await rm(path.join(root, 'dist', 'inputs.json'));
  assert.match(freshBundle(root).reason ?? '', /not built/);
});

Bundle('a pipeline through the bundle: the same keys and predictions as through the sources, worker threads included', async (ctx) => {
  const { freshBundle, buildBundle } = await tools();
  // CI's `npm ci` builds dist/ (npm install's script); after an edit to the sources it is stale: build it.
  if (!freshBundle(ROOT).dir) await buildBundle();
  assert.ok(freshBundle(ROOT).dir, 'dist/ is fresh after a build');
  ctx.dir = await tempDir('bundle-run');
  const version = await medpipeCli(['version']);
  assert.is(version.code, 0, show(version));
  assert.match(version.stdout, /runs its prebuilt bundle \(dist\/\)/);
  const sources = await medpipeCli(['version'], { env: { MEDPIPE_BUNDLE: '0' } });
  assert.match(sources.stdout, /runs its TypeScript sources through tsx \(MEDPIPE_BUNDLE=0;/);

  // 64x64 grey, batches of 32: 131,072 values a batch, so fit's loader assembles batches in worker threads.
  // build.custom's function joins its key by its source text: compiled for the bundle, it must read as tsx gives it.
  await makeClassFolders(path.join(ctx.dir, 'data'), 24, { size: 64 });
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    path.join(ctx.dir, 'pipeline.ts'),
    `import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from '${pathToFileURL(path.join(ROOT, 'src', 'index.ts')).href}';
export default pipeline('bundle', { seed: 5 })
  .stage(ingest.folder({ root: 'data', size: [64, 64], channels: 1 }))
  .stage(normalize({ method: 'zscore' }))
  .stage(augment({ rotation: 5 }))
  .stage(split())
  .stage(build.custom((inputShape, tf) => tf.sequential({ layers: [tf.layers.conv2d({ inputShape, filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.flatten(), tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] })))
  .stage(fit({ epochs: 1, batchSize: 32, earlyStopping: false }))
  .stage(evaluate({ png: false }));
`,
  );
  const cwd = ctx.dir;
  const env = { MEDPIPE_WORKERS: '2', MEDPIPE_HISTORY: 'off' };
  const run = (cache: string, out: string, extra: Record<string, string> = {}) =>
    medpipeCli(['run', 'pipeline.ts', '--plain', '--cache', cache, '--out', out], { cwd, env: { ...env, ...extra } });
  const bundled = await run('cache-a', 'out-a');
  assert.is(bundled.code, 0, show(bundled));
  const fromSources = await run('cache-a', 'out-a2', { MEDPIPE_BUNDLE: '0' });
  assert.is(fromSources.code, 0, show(fromSources));
  assert.match(fromSources.stdout, /run done in .*: 7 cached/, "every key computed from the sources equals the bundle's");
  const keys = async (out: string) =>
    (JSON.parse(await readFile(path.join(cwd, out, 'run.json'), 'utf8')) as { stages: { key: string }[] }).stages.map((s) => s.key);
  assert.equal(await keys('out-a2'), await keys('out-a'));

  const fresh = await run('cache-b', 'out-b', { MEDPIPE_BUNDLE: '0' });
  assert.is(fresh.code, 0, show(fresh));
  assert.match(fresh.stdout, /0 cached/);
  assert.is(await readFile(path.join(cwd, 'out-b', 'predictions.csv'), 'utf8'), await readFile(path.join(cwd, 'out-a', 'predictions.csv'), 'utf8'));
});

Bundle.run();
