#!/usr/bin/env node
/**
 * Builds dist/: medpipe's TypeScript sources as a few ES modules that Node loads without a loader
 * hook (esbuild, code split at every dynamic import so a stage's code still loads only when it is
 * planned). `bin/medpipe.js` runs it when it is fresh (dist/inputs.json: every source file's size and
 * mtime, the bundled packages' versions) and falls back to the sources through tsx otherwise.
 * Why: through tsx, every one of ~250 modules crosses to the loader thread and back and has its source
 * map parsed; that was ~0.6 s of a cached rerun's ~2 s.
 *   node scripts/bundle.mjs [--optional]   (npm install runs it with --optional; `npm run build`)
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedVersion } from '../bin/fresh-bundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(root, 'dist');

/** The entry points: the CLI, the library a pipeline file imports, its `medpipe/explain` export, and the data worker threads' entry. */
export const ENTRIES = {
  main: 'src/cli/main.ts',
  index: 'src/index.ts',
  explain: 'src/explain/grad-cam.ts',
  worker: 'src/data/workers/worker.ts',
};

/** Pure-JS packages on every run's path, bundled in; every other package stays an import of node_modules (native addons, lazily loaded ones). */
export const BUNDLED_PACKAGES = ['rxjs', 'zod', 'fflate'];

/** Builds into `out` (default dist/, replaced as a whole so a starting CLI never sees half of it). */
export async function buildBundle(out = DIST) {
  const { build } = await import('esbuild');
  const started = Date.now();
  const staging = `${out}.build-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    entryPoints: ENTRIES,
    absWorkingDir: root,
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    metafile: true,
    logLevel: 'warning',
    plugins: [packagesExternal(), sourceLocations(out)],
  });
  const files = Object.keys(result.metafile.inputs)
    .filter((input) => input.startsWith('src/'))
    .sort()
    .map((input) => {
      const s = statSync(join(root, input));
      // Edited while esbuild read it: the bundle may hold the older text, so it must not count as fresh.
      return [input, s.size, s.mtimeMs >= started ? -1 : s.mtimeMs];
    });
  const manifest = { packages: packageVersions(), files };
  writeFileSync(join(staging, 'inputs.json'), JSON.stringify(manifest));
  const old = `${out}.old-${process.pid}`;
  try {
    renameSync(out, old);
  } catch {
    // no earlier build
  }
  renameSync(staging, out);
  rmSync(old, { recursive: true, force: true });
  return { out, files: files.length };
}

/** The installed versions of the bundled packages (a reinstall with other versions makes dist/ stale). */
function packageVersions() {
  return Object.fromEntries(BUNDLED_PACKAGES.map((name) => [name, installedVersion(root, name)]));
}

/** Every bare import except the bundled packages stays external (Node's builtins included). */
function packagesExternal() {
  return {
    name: 'medpipe-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return BUNDLED_PACKAGES.includes(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

/**
 * `import.meta.url` in a source file keeps meaning that file's own location (the native addons,
 * package.json, the worker boot file are found relative to it): it becomes the source file's URL
 * computed from the bundle's own location, so the project can still be moved as a whole.
 */
function sourceLocations(out) {
  return {
    name: 'medpipe-source-locations',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const from = JSON.stringify(relative(out, args.path).split('\\').join('/'));
        return { contents: text.replaceAll('import.meta.url', `new URL(${from}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    const { files } = await buildBundle();
    console.log(`medpipe: dist/ built from ${files} source files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    // At install (--optional) a failed build is not fatal: bin/medpipe.js runs the sources instead, slower to start.
    console.error(`medpipe: dist/ was not built (${error.message.split('\n')[0]}); medpipe will run its sources through tsx.`);
    if (!process.argv.includes('--optional')) process.exitCode = 1;
  }
}
