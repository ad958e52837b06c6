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
import { rebuild } from './gyp.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const FIX = 'apt-get install libdnnl-dev libopenblas-dev g++ make python3, then `node native/build.mjs`';

const { record, fail } = buildStatus(
  buildDir,
  (reason) => `medpipe: native backend not built (${reason}); training will use the slower pure-JS CPU backend. To get it: ${FIX}`,
);

function main() {
  if (process.env.MEDPIPE_SKIP_NATIVE === '1') fail('skipped by MEDPIPE_SKIP_NATIVE=1');
  if (process.platform !== 'linux') fail(`no build recipe for ${process.platform} yet`);
  const incs = ['/usr/include', '/usr/local/include'];
  if (!incs.some((d) => existsSync(join(d, 'dnnl.hpp')) || existsSync(join(d, 'oneapi/dnnl/dnnl.hpp')))) {
    fail('libdnnl-dev missing: oneDNN headers not found');
  }
  let addonApi;
  try {
    addonApi = createRequire(import.meta.url).resolve('node-addon-api');
  } catch {
    fail('node-addon-api is not installed (run npm install)');
  }
  void addonApi;
  console.log('medpipe: building the native backend (oneDNN/OpenBLAS), about a minute...');
  rebuild(here, join(buildDir, 'Release/medpipe_native.node'), fail);
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
