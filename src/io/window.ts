import { MedpipeError } from '../base/errors.ts';

/** A VOI window in the image's own units (Hounsfield units for CT). */
export interface WindowSpec {
  readonly center: number;
  readonly width: number;
}

/**
 * Common CT windows, in HU. Values follow Radiopaedia, "Windowing (CT)", section "Typical window
 * width and level values" (radiopaedia.org/articles/windowing-ct): brain W:80 L:40, lungs W:1500 L:-600,
 * mediastinum W:350 L:50, abdomen soft tissues W:400 L:50, bone W:1800 L:400. `softTissue` is the
 * generic soft-tissue window (Radiopaedia gives W:350–400 L:20–60); W:400 L:40 is the usual default.
 * Institutions differ by tens of HU; pass `{ center, width }` for anything else.
 */
export const WINDOW_PRESETS = Object.freeze({
  lung: Object.freeze({ center: -600, width: 1500 }),
  mediastinum: Object.freeze({ center: 50, width: 350 }),
  abdomen: Object.freeze({ center: 50, width: 400 }),
  softTissue: Object.freeze({ center: 40, width: 400 }),
  bone: Object.freeze({ center: 400, width: 1800 }),
  brain: Object.freeze({ center: 40, width: 80 }),
} as const);

export type WindowPreset = keyof typeof WINDOW_PRESETS;

/**
 * Which DICOM VOI function to use (PS3.3 C.11.2.1.2 / C.11.2.1.3):
 * - 'linear-exact' (LINEAR_EXACT, C.11.2.1.3.2): values ≤ c − w/2 → 0, > c + w/2 → 1,
 *   otherwise (x − c)/w + 0.5. This is the plain "clip to [c − w/2, c + w/2] and scale" that
 *   papers describe, so it is the default.
 * - 'linear' (LINEAR, C.11.2.1.2.1): the standard's default for a window read from a file:
 *   x ≤ c − 0.5 − (w − 1)/2 → 0, x > c − 0.5 + (w − 1)/2 → 1, otherwise ((x − (c − 0.5))/(w − 1) + 0.5).
 *   It exists because displays map integers to integer grey levels; it needs w ≥ 1.
 */
export type WindowFunction = 'linear-exact' | 'linear';

export interface ApplyWindowOptions {
  /** @default 'linear-exact' */
  readonly fn?: WindowFunction;
}

/** Resolves a preset name or checks an explicit window; a bad width is a config error, not NaNs later. */
export function resolveWindow(window: WindowSpec | WindowPreset, fn: WindowFunction = 'linear-exact'): WindowSpec {
  const spec = typeof window === 'string' ? WINDOW_PRESETS[window] : window;
  if (spec === undefined) {
    throw new MedpipeError('INVALID_CONFIG', `Unknown window preset '${String(window)}'.`, {
      fix: `Use one of ${Object.keys(WINDOW_PRESETS).join(', ')} or { center, width }.`,
    });
  }
  const minWidth = fn === 'linear' ? 1 : Number.MIN_VALUE;
  if (!Number.isFinite(spec.center) || !Number.isFinite(spec.width) || spec.width < minWidth) {
    throw new MedpipeError('INVALID_CONFIG', `Invalid window center ${spec.center}, width ${spec.width}.`, {
      fix: fn === 'linear' ? 'The LINEAR window function needs a finite center and width ≥ 1.' : 'Give a finite center and a width > 0.',
    });
  }
  return spec;
}

/**
 * Maps values (HU for CT) through a VOI window to [0, 1]; values outside the window are clipped.
 * NaN stays NaN so that missing data is not silently turned into black.
 * @example
 *   const lung = applyWindow(ct.data, WINDOW_PRESETS.lung);
 */
export function applyWindow(data: Float32Array, window: WindowSpec | WindowPreset, options: ApplyWindowOptions = {}): Float32Array {
  const fn = options.fn ?? 'linear-exact';
  const { center, width } = resolveWindow(window, fn);
  const out = new Float32Array(data.length);
  if (fn === 'linear') {
    const lo = center - 0.5 - (width - 1) / 2;
    const hi = center - 0.5 + (width - 1) / 2;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      out[i] = x <= lo ? 0 : x > hi ? 1 : (x - (center - 0.5)) / (width - 1) + 0.5;
    }
    // NaN compares false both ways and would land in the middle branch; that keeps it NaN.
    return out;
  }
  const lo = center - width / 2;
  const hi = center + width / 2;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    out[i] = x <= lo ? 0 : x > hi ? 1 : (x - center) / width + 0.5;
  }
  return out;
}

/**
 * Several windows of one single-channel image, stacked as channels (e.g. lung, mediastinum, bone →
 * a 3-channel input for an ImageNet-style CNN). Channel k of the output is window k.
 * @example
 *   const { data, shape } = stackWindows(ct.data, [512, 512, 1], ['lung', 'mediastinum', 'bone']);
 */
export function stackWindows(
  data: Float32Array,
  shape: readonly [number, number, number],
  windows: readonly (WindowSpec | WindowPreset)[],
  options: ApplyWindowOptions = {},
): { data: Float32Array; shape: [number, number, number] } {
  const [h, w, c] = shape;
  if (c !== 1 || data.length !== h * w) {
    throw new MedpipeError('SHAPE_MISMATCH', `Window stacking needs a single-channel image; got shape [${h}, ${w}, ${c}] with ${data.length} values.`, {
      fix: 'Convert the image to one channel (grey) before stacking windows; windows only make sense on grey values such as HU.',
    });
  }
  if (windows.length === 0) {
    throw new MedpipeError('INVALID_CONFIG', 'stackWindows needs at least one window.', {
      fix: `Pass e.g. ['lung', 'mediastinum', 'bone'].`,
    });
  }
  const n = windows.length;
  const out = new Float32Array(h * w * n);
  windows.forEach((window, k) => {
    const one = applyWindow(data, window, options);
    for (let i = 0; i < one.length; i++) out[i * n + k] = one[i];
  });
  return { data: out, shape: [h, w, n] };
}
