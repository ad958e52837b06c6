/**
 * Makes the demo's synthetic "lesion / no lesion" image set (skipped when a complete one is there).
 *   npx tsx scripts/make-synthetic.ts [--out data/synthetic] [--per-class 200] [--size 64] [--seed 7]
 * The default folder is the project's data/synthetic, whatever the current directory.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureSyntheticSet } from '../src/data/synthetic.ts';
import { MedpipeError } from '../src/base/errors.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: resolve(root, 'data/synthetic') },
    'per-class': { type: 'string' },
    size: { type: 'string' },
    seed: { type: 'string' },
  },
});
const int = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new MedpipeError('INVALID_CONFIG', `--${name} must be an integer, got '${text}'.`, { fix: `e.g. --${name} 64` });
  return n;
};

try {
  const dir = resolve(values.out);
  const started = Date.now();
  const { generated, manifest } = await ensureSyntheticSet(dir, {
    perClass: int('per-class', values['per-class']),
    size: int('size', values.size),
    seed: int('seed', values.seed),
  });
  const { perClass, size, seed } = manifest.options;
  const what = `${manifest.files.length} images (${perClass} lesion + ${perClass} no_lesion, ${size}x${size}, seed ${seed}) in ${dir}`;
  console.log(generated ? `synthetic: wrote ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s` : `synthetic: ${what} already there`);
} catch (error) {
  console.error(error instanceof MedpipeError ? error.describe() : error);
  process.exitCode = 1;
}
