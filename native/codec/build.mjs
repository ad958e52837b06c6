// Builds medpipe's image codec addon (native/codec/build/Release/medpipe_codec.node): PNG through
// libspng, JPEG through libjpeg-turbo, PIL-exact resizing. Run by `npm install` and by hand after
// installing the libraries. Like native/build.mjs it never fails the install: on a problem it says
// why and how to fix it in one line, records it in native/codec/build/status.json (the runtime
// repeats it) and exits 0; ingest then decodes with sharp, slower. MEDPIPE_SKIP_NATIVE=1 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStatus } from '../build-status.mjs';
import { rebuild } from '../gyp.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const addon = join(buildDir, 'Release/medpipe_codec.node');
const FIX = 'apt-get install libspng-dev libjpeg62-turbo-dev libdeflate-dev g++ make python3, then `node native/codec/build.mjs`';

const { record, fail } = buildStatus(buildDir, (reason) => `medpipe: image codec not built (${reason}); ingest will decode with sharp, several times slower. To get it: ${FIX}`);

const header = (name) => ['/usr/include', '/usr/local/include', '/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu'].some((d) => existsSync(join(d, name)));

function main() {
  if (process.env.MEDPIPE_SKIP_NATIVE === '1') fail('skipped by MEDPIPE_SKIP_NATIVE=1');
  if (process.platform !== 'linux') fail(`no build recipe for ${process.platform} yet`);
  if (!header('spng.h')) fail('libspng-dev missing: spng.h not found');
  if (!header('jpeglib.h')) fail('libjpeg62-turbo-dev missing: jpeglib.h not found');
  if (!header('libdeflate.h')) fail('libdeflate-dev missing: libdeflate.h not found');
  rebuild(here, addon, fail);
  // Prove that it loads (a missing runtime library shows here, not at the first ingest).
  const probe = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(addon)}).version)`], { encoding: 'utf8' });
  if (probe.status !== 0) fail(`built but cannot load: ${(probe.stderr || '').split('\n').find((l) => l.includes('Error')) ?? 'unknown error'}`);
  record({ ok: true, version: Number(probe.stdout.trim()) });
  console.log('medpipe: image codec built (libspng, libjpeg-turbo)');
}

try {
  main();
} catch (error) {
  fail(`unexpected: ${error instanceof Error ? error.message : String(error)}`);
}
