// Tells binding.gyp which optional math library is present (called by gyp's <!@(...) expansion).
// Usage: node detect.mjs defines|libraries|include_dirs
import { existsSync } from 'node:fs';

const multiarch = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
const openblasInclude = [
  `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/openblas-pthread`,
  '/usr/include/openblas',
].find((dir) => existsSync(`${dir}/cblas.h`));
const openblasLib = [multiarch, '/usr/lib', '/usr/local/lib'].some((dir) => existsSync(`${dir}/libopenblas.so`));
const openblas = process.env.MEDPIPE_NO_OPENBLAS !== '1' && openblasInclude !== undefined && openblasLib;

const what = process.argv[2];
if (what === 'defines') console.log(openblas ? 'MP_HAVE_OPENBLAS' : '');
else if (what === 'libraries') console.log(openblas ? '-lopenblas' : '');
else if (what === 'include_dirs') console.log(openblas ? openblasInclude : '');
else {
  console.error('usage: node detect.mjs defines|libraries|include_dirs');
  process.exit(2);
}
