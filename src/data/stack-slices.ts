import type { FolderIngestConfig } from './ingest-config.ts';

/**
 * Resamples n single-channel slices to `depth` slices (linear along the slice axis) and interleaves
 * them as channels: [h, w, depth], slice order kept.
 */
export function stackSlices(slices: readonly Float32Array[], depth: number): Float32Array {
  const pixels = slices[0]!.length;
  const out = new Float32Array(pixels * depth);
  for (let d = 0; d < depth; d++) {
    const at = depth === 1 || slices.length === 1 ? 0 : (d * (slices.length - 1)) / (depth - 1);
    const lo = Math.floor(at);
    const hi = Math.min(lo + 1, slices.length - 1);
    const w = at - lo;
    const a = slices[lo]!;
    const b = slices[hi]!;
    for (let i = 0; i < pixels; i++) out[i * depth + d] = a[i]! * (1 - w) + b[i]! * w;
  }
  return out;
}

/** Whether slice k of a multi-slice file is selected by the ingest's `volume.slices`. */
export function sliceSelected(k: number, slices: NonNullable<FolderIngestConfig['volume']>['slices']): boolean {
  if (slices === undefined || slices === 'all') return true;
  if ('every' in slices) return k % slices.every === 0;
  return k >= slices.start && k < slices.end;
}
