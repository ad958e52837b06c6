/**
 * The keys the epoch logs will have for a metric function returning `metricKeys`, in order:
 * `loss, …metrics, val_loss, …val_metrics`. Use it to validate `earlyStopping.monitor` before a run.
 */
export function epochLogKeys(metricKeys: readonly string[], withValidation = true): string[] {
  return ['loss', ...metricKeys, ...(withValidation ? ['val_loss', ...metricKeys.map((k) => `val_${k}`)] : [])];
}
