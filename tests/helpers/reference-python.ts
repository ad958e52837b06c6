/**
 * Runs the reference scripts of tests/reference/ (scikit-learn, SciPy, NumPy) under Debian's python3.
 * A test that needs them is skipped with a message when python3 cannot import scikit-learn, except
 * under CI=true, where a missing scikit-learn is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';

// MEDPIPE_SKLEARN_PYTHON overrides the interpreter (e.g. a venv with another scikit-learn version).
export const PYTHON = process.env.MEDPIPE_SKLEARN_PYTHON ?? '/usr/bin/python3';
const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'reference');

export function sklearnAvailable(): { ok: boolean; why: string } {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
  if (probe.error) return { ok: false, why: `${PYTHON} not found (${probe.error.message})` };
  if (probe.status !== 0) return { ok: false, why: `${PYTHON} cannot import sklearn: ${probe.stderr.trim().split('\n').pop()}` };
  return { ok: true, why: probe.stdout.trim() };
}

/** Writes `input` to a temp JSON file, runs tests/reference/<script> on it and parses its JSON output. */
export function runReference<T>(script: string, input: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'medpipe-reference-'));
  try {
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(input));
    const run = spawnSync(PYTHON, [join(REFERENCE_DIR, script), file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.is(run.status, 0, `${script} failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
