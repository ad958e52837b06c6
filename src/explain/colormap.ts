/**
 * The "jet" colour map (MATLAB's, the one Grad-CAM figures use): 0 → dark blue, 0.5 → green-yellow,
 * 1 → dark red. Piecewise linear, so each channel is a clamped tent: no lookup table to ship.
 *
 * @example
 *   const [r, g, b] = jet(0.9); // a warm red, 0–255 each
 */
export function jet(value: number): [number, number, number] {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const tent = (centre: number) => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - centre))));
  return [tent(3), tent(2), tent(1)];
}
