import { stageNode, type Images, type StageNode } from '../pipeline.ts';
import type { WindowPreset, WindowSpec } from '../io/window.ts';

/**
 * How intensities are normalized.
 * - `rescale`: value / the source type's maximum (x/255 for 8-bit, x/65535 for 16-bit) → [0, 1]. The default.
 * - `minmax`: per image, (x − min) / (max − min) → [0, 1].
 * - `zscore` with `scope: 'image'`: per image, (x − mean) / std.
 * - `zscore` with `scope: 'dataset'`: mean and std fitted on the TRAINING split only (by `split`, even
 *   though normalize is written before it), then applied to every split: no leakage.
 * - `clip`: clip to [low, high] then scale to [0, 1] (CT-like data in real units).
 * - `window`: a VOI window ({ center, width } or a preset: lung, mediastinum, abdomen, softTissue, bone,
 *   brain); several windows are stacked as channels (e.g. three windows → three channels).
 */
export type NormalizeConfig =
  | { readonly method: 'rescale' }
  | { readonly method: 'minmax' }
  | { readonly method: 'zscore'; /** @default 'dataset' */ readonly scope?: 'image' | 'dataset'; /** @default false */ readonly perChannel?: boolean }
  | { readonly method: 'clip'; readonly low: number; readonly high: number }
  | { readonly method: 'window'; readonly windows: readonly (WindowSpec | WindowPreset)[] };

/**
 * Normalizes intensities.
 * @example
 *   normalize({ method: 'zscore', scope: 'dataset' })   // statistics from the training split only
 */
export function normalize(config: NormalizeConfig = { method: 'rescale' }): StageNode<Images, Images, 'normalize', NormalizeConfig> {
  return stageNode('normalize', config, { in: 'images', out: 'images' });
}
