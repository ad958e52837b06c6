/**
 * metrics.json's numbers as flat (path, value) leaves and back: the bootstrap resamples every
 * number of a K-class or multi-label metrics object at once, and the intervals come back in the same
 * nested shape as the metrics (`intervals.perClass.glioma.recall` beside `perClass.glioma.recall`).
 */

/** Fields that are counts, settings or text rather than estimates: no interval. */
const NOT_ESTIMATES = new Set(['n', 'support', 'threshold', 'confusionMatrix', 'classes', 'task', 'notes']);
const SEPARATOR = '\u001f';

/** Every numeric estimate of `metrics`, keyed by its path joined with an invisible separator. */
export function metricLeaves(metrics: object, into: Record<string, number> = {}, prefix = ''): Record<string, number> {
  for (const [key, value] of Object.entries(metrics)) {
    if (NOT_ESTIMATES.has(key)) continue;
    const path = prefix ? `${prefix}${SEPARATOR}${key}` : key;
    if (typeof value === 'number') into[path] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) metricLeaves(value, into, path);
  }
  return into;
}

/** A nested object of leaves, the inverse of metricLeaves. */
export type Nested<T> = { [key: string]: T | Nested<T> };

/**
 * @example
 *   nestLeaves({ accuracy: a, ['macro\u001ff1']: f }); // { accuracy: a, macro: { f1: f } }
 */
export function nestLeaves<T>(leaves: Readonly<Record<string, T>>): Nested<T> {
  const out: Nested<T> = {};
  for (const [path, value] of Object.entries(leaves)) {
    const keys = path.split(SEPARATOR);
    let at = out;
    for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Nested<T>;
    at[keys.at(-1)!] = value;
  }
  return out;
}
