/**
 * 2.5D input: a slice with its neighbours as channels. For `count` slices (odd) centred on slice
 * `centre`, slice centre + o for o in −h … h (h = (count − 1) / 2) is taken, and a neighbour beyond the
 * volume's first or last slice is replaced by that edge slice (replicate padding), so every slice,
 * the edges included, gets `count` slices of context. Channels interleave as [slice][channel]:
 * out[p · count · c + j · c + ch] = slice_j[p · c + ch].
 *
 * @example
 *   const x = stackNeighbours((s) => scaled[s], 0, scaled.length, 3, 1, 64 * 64); // slices −1 (= 0), 0, 1
 */
export function stackNeighbours(
  sliceAt: (index: number) => Float32Array,
  centre: number,
  slices: number,
  count: number,
  channels: number,
  pixels: number,
): Float32Array {
  const half = (count - 1) / 2;
  const out = new Float32Array(pixels * count * channels);
  for (let j = 0; j < count; j++) {
    const data = sliceAt(Math.min(slices - 1, Math.max(0, centre - half + j)));
    for (let p = 0; p < pixels; p++) for (let ch = 0; ch < channels; ch++) out[(p * count + j) * channels + ch] = data[p * channels + ch]!;
  }
  return out;
}
