/**
 * The predicted class of a row of scores: the first index of the largest value, as numpy's
 * `argmax` picks it (ties go to the lowest class index).
 * @example
 *   argmax([0.2, 0.4, 0.4]); // 1
 */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
  return best;
}

/**
 * The K×K confusion matrix: `matrix[t][p]` counts samples of true class t predicted as p (rows are
 * the truth, columns the prediction), as scikit-learn's `confusion_matrix(y, pred, labels=range(K))`.
 * @example
 *   confusionMatrix([0, 1, 2], [0, 2, 2], 3); // [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
 */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, k: number): number[][] {
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]!]![predicted[i]!]!++;
  return matrix;
}

/** The one-vs-rest counts of each class, read off a K×K confusion matrix. */
export interface ClassCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function oneVsRestCounts(matrix: readonly (readonly number[])[]): ClassCounts[] {
  const k = matrix.length;
  const n = matrix.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  return matrix.map((row, c) => {
    const tp = row[c]!;
    const fn = row.reduce((a, b) => a + b, 0) - tp;
    let fp = 0;
    for (let t = 0; t < k; t++) if (t !== c) fp += matrix[t]![c]!;
    return { tp, fp, fn, tn: n - tp - fp - fn };
  });
}
