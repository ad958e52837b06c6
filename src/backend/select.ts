import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { CUDA_ADDON_PATH, CUDA_FIX, cudaLikely } from './cuda/device.ts';
import { ADDON_PATH, NATIVE_FIX } from './native-addon.ts';

const require = createRequire(import.meta.url);

/** Backends in order of preference. `tensorflow` is what tfjs-node(-gpu) registers; `cuda` is native/cuda. */
export const BACKENDS = ['tensorflow-gpu', 'cuda', 'tensorflow', 'native', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  readonly name: BackendName;
  /** One line: which backend and, when a faster one is missing, why and how to get it. */
  readonly line: string;
}

function resolvable(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether tfjs-node(-gpu) is installed *with* its native binding. npm may leave the package without it (an
 * install script that failed, or that npm did not run), and then it cannot load: it must not be predicted
 * (cache keys would name a backend that never runs), and loading it would register half its kernels.
 */
function tfjsNodeUsable(pkg: string): boolean {
  if (!resolvable(pkg)) return false;
  const lib = join(dirname(require.resolve(`${pkg}/package.json`)), 'lib');
  return existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
}

/** The TensorFlow.js version, read without loading TensorFlow.js (keeps cached reruns fast). */
export function tfjsVersion(): string {
  try {
    const file = require.resolve('@tensorflow/tfjs-core/package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The backend a run will use, predicted without loading anything (it goes into the cache keys of
 * the learning stages): the forced one, else the best one that is installed.
 */
export function predictBackend(forced?: string): BackendName {
  if (forced) return parseBackend(forced);
  if (tfjsNodeUsable('@tensorflow/tfjs-node-gpu')) return 'tensorflow-gpu';
  if (cudaLikely()) return 'cuda';
  if (tfjsNodeUsable('@tensorflow/tfjs-node')) return 'tensorflow';
  if (existsSync(ADDON_PATH)) return 'native';
  return 'cpu';
}

/** Why a forced backend cannot be used, found without loading it (for whole-graph validation). */
export function forcedBackendProblem(forced: string | undefined): string | undefined {
  if (!forced) return undefined;
  if (!(BACKENDS as readonly string[]).includes(forced)) return `unknown backend '${forced}': use one of ${BACKENDS.join(', ')}`;
  if (forced === 'tensorflow-gpu' && !tfjsNodeUsable('@tensorflow/tfjs-node-gpu')) return "backend 'tensorflow-gpu' needs @tensorflow/tfjs-node-gpu with its native binding, which is not installed";
  if (forced === 'tensorflow' && !tfjsNodeUsable('@tensorflow/tfjs-node')) return "backend 'tensorflow' needs @tensorflow/tfjs-node with its native binding, which is not installed";
  if (forced === 'native' && !existsSync(ADDON_PATH)) return `backend 'native' is not built: ${NATIVE_FIX}`;
  if (forced === 'cuda' && !existsSync(CUDA_ADDON_PATH)) return `backend 'cuda' is not built: ${CUDA_FIX}`;
  if (forced === 'cuda' && !gpuDriver()) return "backend 'cuda' needs an NVIDIA GPU, and no NVIDIA driver is loaded on this machine";
  return undefined;
}

function parseBackend(name: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new MedpipeError('BACKEND_UNAVAILABLE', `Unknown backend '${name}'.`, {
    fix: `Use one of: ${BACKENDS.join(', ')}.`,
  });
}

let chosen: Promise<BackendChoice> | undefined;

/**
 * Loads TensorFlow.js and the best backend available: tfjs-node-gpu, then tfjs-node, then the
 * native addon, then pure JS. A forced backend that cannot load is an error, not a fallback.
 */
export function initBackend(forced?: string): Promise<BackendChoice> {
  chosen ??= choose(forced);
  return chosen;
}

async function choose(forced?: string): Promise<BackendChoice> {
  const wanted = forced ? [parseBackend(forced)] : [...BACKENDS];
  const missing: string[] = [];
  for (const name of wanted) {
    const result = await tryLoad(name);
    if (result.ok) {
      const tf = await import('@tensorflow/tfjs');
      // Production mode: skips debug checks and tfjs' console banners (the backend line says what runs).
      tf.env().set('PROD', true);
      await tf.setBackend(result.tfName);
      await tf.ready();
      if (result.tfName === 'cpu') {
        // The stock pure-JS weight-gradient convolution is ~95% of a training step; ours is equal to float32 rounding.
        const { useFastCpuKernels } = await import('./cpu-kernels.ts');
        useFastCpuKernels();
      }
      const why = missing.length > 0 ? ` (not available: ${missing.join('; ')})` : '';
      return { name, line: `backend: ${name}${result.info ? ` [${result.info}]` : ''}${why}` };
    }
    if (forced) {
      throw new MedpipeError('BACKEND_UNAVAILABLE', `Backend '${name}' cannot load: ${result.reason}.`, {
        fix: result.fix,
      });
    }
    // tfjs-node(-gpu) being absent is the normal case here: name it; say how to fix only the native backend.
    // A machine without an NVIDIA driver has no use for the cuda backend: nothing is said about it there.
    if (name === 'cuda' && !gpuDriver()) continue;
    missing.push(name === 'native' ? `native: ${result.reason} (${result.fix})` : name === 'cuda' ? `cuda: ${result.reason} (${result.fix})` : result.reason);
  }
  throw new MedpipeError('BACKEND_UNAVAILABLE', 'No TensorFlow.js backend could load.', {
    fix: 'Reinstall dependencies with `npm ci`.',
  });
}

type LoadResult =
  | { ok: true; tfName: string; info?: string }
  | { ok: false; reason: string; fix: string };

async function tryLoad(name: BackendName): Promise<LoadResult> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      if (!resolvable(pkg)) {
        return { ok: false, reason: `${pkg} is not installed`, fix: `npm install ${pkg} (needs libtensorflow download access)` };
      }
      if (!tfjsNodeUsable(pkg)) {
        return { ok: false, reason: `${pkg} is installed without its native binding`, fix: `npm rebuild ${pkg} (needs libtensorflow download access)` };
      }
      try {
        await import(pkg);
        return { ok: true, tfName: 'tensorflow', info: pkg };
      } catch (error) {
        return { ok: false, reason: `${pkg} failed to load (${firstLine(error)})`, fix: `npm rebuild ${pkg}` };
      }
    }
    case 'native': {
      try {
        const mod = (await import('./native.ts')) as {
          loadNativeBackend: () => Promise<{ ok: true; info: string } | { ok: false; reason: string; fix: string }>;
        };
        const result = await mod.loadNativeBackend();
        return result.ok ? { ok: true, tfName: 'native', info: result.info } : result;
      } catch (error) {
        return { ok: false, reason: `native backend failed to load (${firstLine(error)})`, fix: NATIVE_FIX };
      }
    }
    case 'cuda': {
      try {
        const mod = await import('./cuda/index.ts');
        const result = mod.loadCudaBackend();
        return result.ok ? { ok: true, tfName: result.name, info: result.info } : result;
      } catch (error) {
        return { ok: false, reason: `cuda backend failed to load (${firstLine(error)})`, fix: CUDA_FIX };
      }
    }
    case 'cpu':
      await import('@tensorflow/tfjs');
      return { ok: true, tfName: 'cpu', info: 'pure JavaScript' };
  }
}

function gpuDriver(): boolean {
  return existsSync('/proc/driver/nvidia/version');
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
