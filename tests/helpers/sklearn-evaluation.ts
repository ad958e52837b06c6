// evaluate's outputs recomputed from its own predictions by scikit-learn
// (tests/reference/evaluation_check.py): every number of metrics.json and validation-metrics.json,
// `predicted = score >= threshold` on every row, and a validation-chosen threshold.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { PYTHON } from '../reference/dicom-nifti-check.ts';
import { REFERENCE } from './paths.ts';

/** Fails with every disagreement; returns how many numbers were compared. */
export function assertEvaluationMatchesSklearn(outDir: string): number {
  const run = spawnSync(PYTHON, [path.join(REFERENCE, 'evaluation_check.py'), outDir], { encoding: 'utf8' });
  assert.is(run.status, 0, `evaluation_check.py failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as { checked: number; problems: string[] };
  assert.equal(result.problems, [], `${outDir}: evaluate's numbers differ from scikit-learn's:\n${result.problems.join('\n')}`);
  assert.ok(result.checked >= 30, `only ${result.checked} numbers compared`);
  return result.checked;
}
