// Builds the CUDA backend addon (native/cuda/build/medpipe_cuda.node) with nvcc and g++ when CUDA, cuDNN 9 and
// cuBLAS are present. Run by `npm install` after the CPU addon, and by hand (`node native/cuda/build.mjs`).
// Like the CPU addon's build it never fails the install: without the toolkit or the libraries it prints one line
// saying why and records it in native/cuda/build/status.json, which the backend selector reads.
//
// Environment: MEDPIPE_SKIP_CUDA=1 skips it; CUDA_HOME (default /usr/local/cuda); CUDNN_HOME (a folder with
// include/ and lib/); MEDPIPE_CUDA_ARCH (e.g. 90; default: the GPU's own, else 80, 86, 89 and 90 plus PTX);
// MEDPIPE_NODE_INCLUDE (a folder holding node_api.h, when Node's headers are not beside the node binary).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStatus } from '../build-status.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const output = join(buildDir, 'medpipe_cuda.node');
const FIX = 'install the CUDA toolkit (nvcc, cuBLAS) and cuDNN 9, then `node native/cuda/build.mjs`';

const { record, fail } = buildStatus(buildDir, (reason) => `medpipe: CUDA backend not built (${reason}); GPU training needs it. To get it: ${FIX}`);

const cudaHome = process.env.CUDA_HOME || '/usr/local/cuda';

/** Python wheels (nvidia-cudnn-cu13, nvidia-cublas) are where many GPU machines keep these libraries. */
function wheelDirs(pkg) {
  const roots = ['/usr/local/lib', '/usr/lib', '/opt/torch/.venv/lib', '/opt/conda/lib'];
  const found = [];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const py of readdirSync(root).filter((d) => d.startsWith('python3'))) {
      for (const site of ['site-packages', 'dist-packages']) {
        const d = join(root, py, site, 'nvidia', pkg);
        if (existsSync(d)) found.push(d);
      }
    }
  }
  return found;
}

function findFile(dirs, names) {
  for (const d of dirs) {
    for (const n of names) {
      if (d && existsSync(join(d, n))) return { dir: d, name: n };
    }
  }
  return undefined;
}

/** A shared library by its plain or versioned name (packages often ship only libfoo.so.N). */
function findLib(dirs, base) {
  for (const d of dirs) {
    if (!d || !existsSync(d)) continue;
    if (existsSync(join(d, `${base}.so`))) return { dir: d, name: `${base}.so` };
    const versioned = readdirSync(d).filter((f) => new RegExp(`^${base}\\.so\\.\\d+$`).test(f)).sort();
    if (versioned.length > 0) return { dir: d, name: versioned[versioned.length - 1] };
  }
  return undefined;
}

function nvcc() {
  const candidates = [join(cudaHome, 'bin/nvcc'), 'nvcc'];
  return candidates.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
}

function nodeInclude() {
  const candidates = [
    process.env.MEDPIPE_NODE_INCLUDE,
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include/node'),
    join(dirname(process.execPath), '../include/node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
}

function archFlags() {
  const forced = process.env.MEDPIPE_CUDA_ARCH;
  let archs = forced ? forced.split(',').map((a) => a.trim().replace('.', '')) : [];
  if (archs.length === 0) {
    const smi = spawnSync('nvidia-smi', ['--query-gpu=compute_cap', '--format=csv,noheader'], { encoding: 'utf8' });
    if (smi.status === 0) archs = [...new Set(smi.stdout.split('\n').map((l) => l.trim().replace('.', '')).filter(Boolean))];
  }
  if (archs.length === 0) archs = ['80', '86', '89', '90'];
  const flags = archs.map((a) => `-gencode=arch=compute_${a},code=sm_${a}`);
  const newest = archs.sort()[archs.length - 1];
  flags.push(`-gencode=arch=compute_${newest},code=compute_${newest}`); // PTX for newer GPUs
  return flags;
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    child.on('close', (code) => resolve({ code, log }));
  });
}

async function main() {
  if (process.env.MEDPIPE_SKIP_CUDA === '1') fail('skipped by MEDPIPE_SKIP_CUDA=1');
  if (process.platform !== 'linux') fail(`no build recipe for ${process.platform}`);
  const compiler = nvcc();
  if (!compiler) fail('nvcc not found');
  const cudnnHome = process.env.CUDNN_HOME;
  const cudnnWheels = wheelDirs('cudnn');
  const cublasWheels = wheelDirs('cublas');
  const cudnnInc = findFile([cudnnHome && join(cudnnHome, 'include'), '/usr/include/x86_64-linux-gnu', '/usr/include',
    join(cudaHome, 'include'), ...cudnnWheels.map((d) => join(d, 'include'))], ['cudnn.h']);
  if (!cudnnInc) fail('cuDNN headers (cudnn.h) not found');
  const cublasInc = findFile([join(cudaHome, 'include'), join(cudaHome, 'targets/x86_64-linux/include'),
    ...cublasWheels.map((d) => join(d, 'include'))], ['cublas_v2.h']);
  if (!cublasInc) fail('cuBLAS headers (cublas_v2.h) not found');
  const cudnnLib = findLib([cudnnHome && join(cudnnHome, 'lib'), cudnnHome && join(cudnnHome, 'lib64'),
    '/usr/lib/x86_64-linux-gnu', join(cudaHome, 'lib64'), ...cudnnWheels.map((d) => join(d, 'lib'))], 'libcudnn');
  if (!cudnnLib) fail('libcudnn.so not found');
  const cublasLib = findLib([join(cudaHome, 'lib64'), join(cudaHome, 'targets/x86_64-linux/lib'), '/usr/lib/x86_64-linux-gnu',
    ...cublasWheels.map((d) => join(d, 'lib'))], 'libcublas');
  if (!cublasLib) fail('libcublas.so not found');
  const cudart = findFile([join(cudaHome, 'lib64'), join(cudaHome, 'targets/x86_64-linux/lib')], ['libcudart_static.a']);
  if (!cudart) fail('libcudart_static.a not found');
  const napiInc = nodeInclude();
  if (!napiInc) fail('Node.js headers (node_api.h) not found; set MEDPIPE_NODE_INCLUDE');
  let addonApi;
  try {
    addonApi = dirname(createRequire(import.meta.url).resolve('node-addon-api/package.json'));
  } catch {
    fail('node-addon-api is not installed (run npm install)');
  }

  console.log('medpipe: building the CUDA backend (cuDNN/cuBLAS), about a minute...');
  rmSync(join(buildDir, 'obj'), { recursive: true, force: true });
  mkdirSync(join(buildDir, 'obj'), { recursive: true });
  const includes = [cudnnInc.dir, cublasInc.dir, join(cudaHome, 'include'), napiInc, addonApi].map((d) => `-I${d}`);
  const defines = ['-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS'];
  const src = join(here, 'src');
  const obj = (name) => join(buildDir, 'obj', `${name}.o`);
  const jobs = [
    run(compiler, ['-std=c++17', '-O3', ...archFlags(), '-Xcompiler', '-fPIC', ...includes, '-c', join(src, 'kernels.cu'), '-o', obj('kernels')]),
    ...['memory', 'dnn', 'addon'].map((name) => run('g++', ['-std=c++17', '-O2', '-fPIC', '-Wno-deprecated-declarations',
      ...defines, ...includes, '-c', join(src, `${name}.cc`), '-o', obj(name)])),
  ];
  const results = await Promise.all(jobs);
  const failed = results.find((r) => r.code !== 0);
  if (failed) {
    const lines = failed.log.split('\n').map((l) => l.trim()).filter(Boolean);
    const firstError = lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'compiler failed';
    fail(`compile failed: ${firstError.slice(0, 200)}`, results.map((r) => r.log).join('\n').slice(-20000));
  }
  const link = await run('g++', ['-shared', '-o', output, ...['kernels', 'memory', 'dnn', 'addon'].map(obj),
    join(cudart.dir, 'libcudart_static.a'), `-L${cudnnLib.dir}`, `-l:${cudnnLib.name}`, `-L${cublasLib.dir}`, `-l:${cublasLib.name}`,
    `-Wl,-rpath,${cudnnLib.dir}`, `-Wl,-rpath,${cublasLib.dir}`, '-ldl', '-lrt', '-lpthread']);
  if (link.code !== 0) fail(`link failed: ${link.log.split('\n').find((l) => l.trim())?.slice(0, 200)}`, link.log.slice(-20000));
  // Prove that it loads and, where a GPU is present, that it runs.
  const probe = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(output)}); let i; try { i = a.info(); } catch (e) { i = { error: e.message }; } console.log(JSON.stringify(i));`], { encoding: 'utf8' });
  if (probe.status !== 0) fail(`built but cannot load: ${(probe.stderr || '').split('\n').find((l) => l.includes('Error')) ?? 'unknown error'}`);
  const info = JSON.parse(probe.stdout.trim().split('\n').pop());
  record({ ok: true, info });
  console.log(`medpipe: CUDA backend built (${info.error ? `no GPU usable here: ${info.error}` : `${info.device}, ${info.libraries}`})`);
}

main().catch((error) => fail(`unexpected: ${error instanceof Error ? error.message : String(error)}`));
