/**
 * Helpers shared by tests/unit/io/dicom-reference.test.ts and tests/unit/io/nifti-reference.test.ts: how reference
 * entries are compared, and how the reference scripts are run live when their toolkits are installed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REFERENCE_DIR = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES_DIR = path.join(REFERENCE_DIR, '..', 'fixtures');
export const PYTHON = process.env.MEDPIPE_REFERENCE_PYTHON ?? '/usr/bin/python3';

export interface ReferenceImage {
  readonly shape: [number, number, number];
  readonly sha256: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stride: number;
  readonly sample: string;
}

export function sha256OfFloat32(data: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

export function sampleOf(entry: ReferenceImage): Float32Array {
  const bytes = Buffer.from(entry.sample, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** First differing sampled position, for a readable failure when the hash differs. */
export function firstSampleDifference(data: Float32Array, entry: ReferenceImage): string {
  const sample = sampleOf(entry);
  for (let k = 0; k < sample.length; k++) {
    const i = k * entry.stride;
    if (!Object.is(data[i], sample[k])) return `value ${i}: medpipe ${data[i]}, reference ${sample[k]}`;
  }
  return 'sampled values agree; the difference is between samples';
}

/**
 * Whether the Python toolkits for a reference script can run here. Under CI=true a missing toolkit
 * is a failure (the caller asserts), so CI never silently skips the live comparison.
 */
export function pythonHas(modules: readonly string[], commands: readonly string[] = []): { ok: boolean; why: string } {
  const probe = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.status !== 0)
    return { ok: false, why: `${PYTHON} cannot import ${modules.join(', ')}: ${(probe.stderr ?? String(probe.error)).trim().split('\n').pop()}` };
  for (const command of commands) {
    const run = spawnSync(command, ['--version'], { encoding: 'utf8' });
    if (run.error) return { ok: false, why: `${command} is not installed` };
  }
  return { ok: true, why: '' };
}

export function runReferenceScript(script: string): unknown {
  const run = spawnSync(PYTHON, [path.join(REFERENCE_DIR, script)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}
