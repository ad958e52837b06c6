/** Number formatting for the report: fixed digits, "n/a" for undefined (NaN, null). */
export function num(x: number | null | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

type Bounds = { readonly lower: number | null; readonly upper: number | null } | null | undefined;

/** "0.884–0.937", or "−1.74 to −0.79" when a bound is negative (a dash would read as a minus); 'n/a' when undefined. */
export function range(ci: Bounds, digits = 3): string {
  if (!ci || typeof ci.lower !== 'number' || typeof ci.upper !== 'number' || !Number.isFinite(ci.lower) || !Number.isFinite(ci.upper)) return 'n/a';
  return ci.lower < 0 || ci.upper < 0 ? `${num(ci.lower, digits)} to ${num(ci.upper, digits)}` : `${num(ci.lower, digits)}–${num(ci.upper, digits)}`;
}

/** "0.912 (0.884–0.937)". */
export function withCi(estimate: number | null | undefined, ci: Bounds, digits = 3): string {
  const bounds = range(ci, digits);
  return bounds === 'n/a' ? num(estimate, digits) : `${num(estimate, digits)} (${bounds})`;
}

export function percent(x: number | null | undefined, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a';
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
