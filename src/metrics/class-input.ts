import { MedpipeError } from '../base/errors.ts';

/** One row of class probabilities per sample (K numbers), e.g. a softmax output. */
export type ProbabilityRows = readonly ArrayLike<number>[];

/**
 * Checks single-label K-class input: `labels` are class indices 0..K−1, `rows` has one row of K
 * finite scores per label. Returns n. Throws a MedpipeError that names the fix otherwise.
 */
export function checkClassInput(labels: ArrayLike<number>, rows: ProbabilityRows, k: number): number {
  if (!Number.isInteger(k) || k < 2) {
    throw new MedpipeError('INVALID_CONFIG', `Multi-class metrics need at least two classes, got ${String(k)}.`, {
      fix: 'Pass the number of classes K (the length of the class list).',
    });
  }
  const n = labels.length;
  if (n === 0) {
    throw new MedpipeError('NO_SAMPLES', 'Cannot compute metrics on an empty set of samples.', {
      fix: 'Check that the split being evaluated is not empty (see the split stage summary).',
    });
  }
  if (rows.length !== n) {
    throw new MedpipeError('SHAPE_MISMATCH', `Metrics got ${n} labels but ${rows.length} rows of probabilities.`, {
      fix: 'Pass exactly one row of K probabilities per label, in the same order.',
    });
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= k) {
      throw new MedpipeError('INVALID_CONFIG', `Label ${String(y)} at index ${i} is not a class index 0..${k - 1}.`, {
        fix: `Labels are class indices into the ${k} classes.`,
      });
    }
    const row = rows[i]!;
    if (row.length !== k) {
      throw new MedpipeError('SHAPE_MISMATCH', `Row ${i} has ${row.length} probabilities for ${k} classes.`, {
        fix: 'The model needs one output unit per class (a K-way softmax head).',
      });
    }
    for (let j = 0; j < k; j++) {
      if (!Number.isFinite(row[j]!)) {
        throw new MedpipeError('INVALID_CONFIG', `The probability of class ${j} at index ${i} is ${String(row[j])}, not a finite number.`, {
          fix: 'A NaN or infinite output usually means the model diverged (check the loss curve) or the input was not normalised.',
        });
      }
    }
  }
  return n;
}

/** Column `j` of the rows (class j's scores), as the binary metrics take them. */
export function column(rows: ProbabilityRows, j: number): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i]![j]!;
  return out;
}

/** Rows of `k` values over a flat row-major buffer (a model's [n, k] output). */
export function rowsOf(flat: ArrayLike<number> & { subarray?: unknown }, k: number): number[][] {
  const n = Math.floor(flat.length / k);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from({ length: k }, (_, j) => flat[i * k + j]!));
  return rows;
}
