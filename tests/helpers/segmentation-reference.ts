/**
 * Runs tests/reference/segmentation_reference.py (scikit-learn, SciPy, PIL under
 * $MEDPIPE_REFERENCE_PYTHON or /usr/bin/python3) on cases and returns its numbers, and compares them
 * with medpipe's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { PYTHON } from '../reference/dicom-nifti-check.ts';
import { REFERENCE } from './paths.ts';
import { toolkit, type Requirement } from './requires.ts';

export type ReferenceScores = Record<string, number | null>;
export interface ReferenceResult {
  readonly classes: Record<string, ReferenceScores>;
  readonly auc: number | null;
}

export const segmentationToolkit = (): Requirement =>
  toolkit(['sklearn', 'scipy.ndimage', 'numpy', 'PIL'], 'python3-sklearn python3-scipy python3-numpy python3-pil');

export function runSegmentationReference(cases: readonly object[]): ReferenceResult[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'medpipe-seg-reference-'));
  try {
    const file = path.join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify({ cases }));
    const run = spawnSync(PYTHON, [path.join(REFERENCE, 'segmentation_reference.py'), file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.is(run.status, 0, `segmentation_reference.py failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as ReferenceResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SURFACE = new Set(['hd95', 'assd', 'nsd']);

/** Every key of the reference equals ours: pixel metrics to 1e-9, surface distances to 1e-6. */
export function assertMatchesReference(ours: Record<string, unknown>, reference: ReferenceScores, where: string): void {
  for (const [key, expected] of Object.entries(reference)) {
    const actual = ours[key];
    if (expected === null) {
      assert.is(actual, null, `${where} ${key}: reference undefined (null), medpipe ${String(actual)}`);
      continue;
    }
    assert.type(actual, 'number', `${where} ${key}: medpipe gave ${String(actual)}, reference ${expected}`);
    const tol = SURFACE.has(key) ? 1e-6 : 1e-9;
    assert.ok(Math.abs((actual as number) - expected) <= tol, `${where} ${key}: medpipe ${String(actual)}, reference ${expected}`);
  }
}
