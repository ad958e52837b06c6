// Builds the native tfjs backend addon (native/build/Release/medpipe_native.node) with node-gyp.
// Run by `npm install` (the root package's install script) and by hand after installing the libraries.
// It never fails the install: on any problem it prints one line saying why and how to fix it, records the
// reason in native/build/status.json for the runtime message, and exits 0. MEDPIPE_SKIP_NATIVE=1 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStatus } from './build-status.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const FIX = 'apt-get install libdnnl-dev libopenblas-dev g++ make python3, then `node native/build.mjs`';

const { record, fail } = buildStatus(
  buildDir,
  (reason) => `medpipe: native backend not built (${reason}); training will use the slower pure-JS CPU backend. To get it: ${FIX}`,
);

function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => {
      try {
        return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
      } catch {
        return undefined;
      }
    })(),
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((p) => p && existsSync(p));
}

// Node's own headers: node-gyp would otherwise try to download them, which fails offline.
function nodeDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return candidates.find((d) => d && existsSync(join(d, 'include/node/node_api.h')) && existsSync(join(d, 'include/node/common.gypi')));
}

function main() {
  if (process.env.MEDPIPE_SKIP_NATIVE === '1') fail('skipped by MEDPIPE_SKIP_NATIVE=1');
  if (process.platform !== 'linux') fail(`no build recipe for ${process.platform} yet`);
  const incs = ['/usr/include', '/usr/local/include'];
  if (!incs.some((d) => existsSync(join(d, 'dnnl.hpp')) || existsSync(join(d, 'oneapi/dnnl/dnnl.hpp')))) {
    fail('libdnnl-dev missing: oneDNN headers not found');
  }
  if (!has('g++') && !has('c++')) fail('no C++ compiler (g++) found');
  if (!has('make')) fail('make not found');
  if (!has('python3')) fail('python3 not found (node-gyp needs it)');
  const gyp = nodeGyp();
  if (!gyp) fail('node-gyp not found (it ships with npm)');
  const nodedir = nodeDir();
  if (!nodedir) fail('Node.js headers not found (install the nodejs package that ships include/node, e.g. libnode-dev)');
  let addonApi;
  try {
    addonApi = createRequire(import.meta.url).resolve('node-addon-api');
  } catch {
    fail('node-addon-api is not installed (run npm install)');
  }
  void addonApi;
  console.log('medpipe: building the native backend (oneDNN/OpenBLAS), about a minute...');
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '-j', 'max'], {
    cwd: here,
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodedir },
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !existsSync(join(buildDir, 'Release/medpipe_native.node'))) {
    const firstError = log.split('\n').find((l) => /error/i.test(l) && !/gyp ERR!/.test(l))?.trim() ?? `node-gyp exited with ${r.status}`;
    fail(`compile failed: ${firstError.slice(0, 200)}`, log.slice(-20000));
  }
  // Prove that it loads (a missing runtime library shows here, not at the first training run).
  const probe = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(join(buildDir, 'Release/medpipe_native.node'))}).info()))`], { encoding: 'utf8' });
  if (probe.status !== 0) fail(`built but cannot load: ${(probe.stderr || '').split('\n').find((l) => l.includes('Error')) ?? 'unknown error'}`);
  record({ ok: true, info: JSON.parse(probe.stdout) });
  console.log(`medpipe: native backend built (${probe.stdout.trim()})`);
}

try {
  main();
} catch (error) {
  fail(`unexpected: ${error instanceof Error ? error.message : String(error)}`);
}
