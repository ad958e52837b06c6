/**
 * Surface-distance metrics of a binary prediction against the truth, as MONAI computes them
 * (`get_mask_edges`, `get_surface_distance`, `compute_hausdorff_distance(percentile=95)`,
 * `compute_average_surface_distance(symmetric=True)`, `compute_surface_dice`):
 * - the **surface** (edge) of a mask is the mask minus its erosion by the 4-connected cross, pixels
 *   outside the image counting as background (`mask ^ scipy.ndimage.binary_erosion(mask)`);
 * - d(A→B) is, for each surface pixel of A, the Euclidean distance (with pixel spacing) to the nearest
 *   surface pixel of B;
 * - **HD95** = max(95th percentile of d(P→T), 95th percentile of d(T→P)), percentiles by linear
 *   interpolation (`numpy.percentile`);
 * - **ASSD** = mean of d(P→T) and d(T→P) pooled (the mean over both surfaces' pixels);
 * - **NSD** (normalized surface Dice at tolerance τ) = (#{d(P→T) ≤ τ} + #{d(T→P) ≤ τ}) / (|∂P| + |∂T|).
 * Empty masks: when both are empty, the distances are undefined (null); when exactly one is empty
 * they are infinite in principle and also reported as null (MONAI returns nan/inf); `emptyCase` says which.
 */
import { distanceToFeatures } from './distance-transform.ts';
import { PIXEL_SPACING, type Spacing } from './mask.ts';

export interface SurfaceDistances {
  readonly hd95: number | null;
  readonly assd: number | null;
  /** Normalized surface Dice at the tolerance given. */
  readonly nsd: number | null;
  readonly emptyCase: 'none' | 'both empty' | 'truth empty' | 'prediction empty';
}

export interface SurfaceOptions {
  /** Pixel size along [y, x]. @default [1, 1] */
  readonly spacing?: Spacing;
  /** NSD tolerance, in the spacing's unit. @default 1 */
  readonly tolerance?: number;
}

export const SURFACE_DEFINITIONS = {
  hd95: 'HD95 = max(P95 of d(pred surface → truth surface), P95 of d(truth surface → pred surface)); surface = mask minus its 4-connected erosion; Euclidean, in the spacing unit (MONAI compute_hausdorff_distance, percentile=95)',
  assd: 'ASSD = mean of both directed surface distances pooled (MONAI compute_average_surface_distance, symmetric=True)',
  nsd: 'NSD = fraction of both surfaces within the tolerance of the other (MONAI compute_surface_dice)',
  empty: 'null when the truth or the prediction has no pixel of the class inside the ROI',
} as const;

/** Surface pixels: mask pixels with a 4-neighbour outside the mask or outside the image. */
export function maskEdges(mask: Uint8Array, height: number, width: number): Uint8Array {
  const edges = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const interior = y > 0 && y < height - 1 && x > 0 && x < width - 1 && mask[i - 1] && mask[i + 1] && mask[i - width] && mask[i + width];
      if (!interior) edges[i] = 1;
    }
  }
  return edges;
}

/** d(A→B): distances from each surface pixel of A to the nearest surface pixel of B. */
export function directedDistances(edgesA: Uint8Array, edgesB: Uint8Array, height: number, width: number, spacing: Spacing): Float64Array {
  const dist = distanceToFeatures(edgesB, height, width, spacing);
  const out: number[] = [];
  for (let i = 0; i < edgesA.length; i++) if (edgesA[i]) out.push(dist[i]);
  return Float64Array.from(out);
}

/** `numpy.percentile(values, q)` with its default linear interpolation. */
export function percentile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * @example surfaceDistances(truthMask, predMask, 584, 565, { spacing: [1, 1], tolerance: 2 })
 */
export function surfaceDistances(truth: Uint8Array, predicted: Uint8Array, height: number, width: number, options: SurfaceOptions = {}): SurfaceDistances {
  const spacing = options.spacing ?? PIXEL_SPACING;
  const tolerance = options.tolerance ?? 1;
  const truthEmpty = !truth.some((v) => v !== 0);
  const predEmpty = !predicted.some((v) => v !== 0);
  if (truthEmpty || predEmpty) {
    const emptyCase = truthEmpty && predEmpty ? 'both empty' : truthEmpty ? 'truth empty' : 'prediction empty';
    return { hd95: null, assd: null, nsd: null, emptyCase };
  }
  const edgesT = maskEdges(truth, height, width);
  const edgesP = maskEdges(predicted, height, width);
  const pt = directedDistances(edgesP, edgesT, height, width, spacing);
  const tp = directedDistances(edgesT, edgesP, height, width, spacing);
  let sum = 0;
  let within = 0;
  for (const d of pt) ((sum += d), (within += d <= tolerance ? 1 : 0));
  for (const d of tp) ((sum += d), (within += d <= tolerance ? 1 : 0));
  const total = pt.length + tp.length;
  return {
    hd95: Math.max(percentile(pt, 95), percentile(tp, 95)),
    assd: sum / total,
    nsd: within / total,
    emptyCase: 'none',
  };
}
