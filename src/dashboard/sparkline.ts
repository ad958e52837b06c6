/**
 * A one-line chart of a series with block characters, e.g. `▇▅▄▃▂▂▁` for a falling loss.
 */
const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * Scales `values` between their own min and max; keeps only the last `width` points (the recent
 * epochs matter most). NaN/Infinity (e.g. AUC on a one-class split) show as a gap.
 *
 * @example
 * sparkline([0.9, 0.6, 0.4, 0.35]); // '█▃▁▁' roughly
 */
export function sparkline(values: readonly number[], width = 24): string {
  const shown = values.slice(-Math.max(1, width));
  const finite = shown.filter(Number.isFinite);
  if (finite.length === 0) return ' '.repeat(shown.length);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min;
  return shown
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      // A flat series sits mid-height rather than looking like "all at the minimum".
      if (span === 0) return BLOCKS[3];
      return BLOCKS[Math.round(((v - min) / span) * (BLOCKS.length - 1))];
    })
    .join('');
}
