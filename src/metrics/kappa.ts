/**
 * Cohen's kappa of a K×K confusion matrix (rows truth, columns prediction), as scikit-learn's
 * `cohen_kappa_score(y, pred, labels=range(K), weights=…)`: 1 − Σ w·observed / Σ w·expected, where
 * expected comes from the margins and w is 1 off the diagonal (unweighted), |i−j| ('linear') or
 * (i−j)² ('quadratic', the usual summary for ordered grades). The weights use the class indices, so
 * every grade of the task counts, even one absent from both the truth and the predictions.
 * NaN when the expected disagreement is 0 (everything one class: 0/0, as scikit-learn).
 * @example
 *   cohenKappa([[2, 1, 0], [0, 3, 1], [0, 0, 3]], 'quadratic'); // 0.8…
 */
export function cohenKappa(matrix: readonly (readonly number[])[], weights: 'none' | 'linear' | 'quadratic' = 'none'): number {
  const k = matrix.length;
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = Array.from({ length: k }, (_, j) => matrix.reduce((s, row) => s + row[j]!, 0));
  const n = rowSums.reduce((a, b) => a + b, 0);
  const weight = (i: number, j: number) => (weights === 'none' ? (i === j ? 0 : 1) : weights === 'linear' ? Math.abs(i - j) : (i - j) ** 2);
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      // scikit-learn: expected = outer(column sums, row sums) / n; the weights are symmetric.
      observed += weight(i, j) * matrix[i]![j]!;
      expected += (weight(i, j) * (colSums[i]! * rowSums[j]!)) / n;
    }
  }
  return expected === 0 ? Number.NaN : 1 - observed / expected;
}
