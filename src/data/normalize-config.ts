import { z } from 'zod';
import { WINDOW_PRESETS, type WindowPreset } from '../io/window.ts';

const presets = Object.keys(WINDOW_PRESETS) as [WindowPreset, ...WindowPreset[]];
const window = z.union([z.strictObject({ center: z.number(), width: z.number().positive() }), z.enum(presets)]);

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
export const normalizeConfigSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('rescale') }),
  z.strictObject({ method: z.literal('minmax') }),
  z.strictObject({
    method: z.literal('zscore'),
    /** @default 'dataset' */
    scope: z.enum(['image', 'dataset']).optional(),
    /** @default false */
    perChannel: z.boolean().optional(),
  }),
  z
    .strictObject({ method: z.literal('clip'), low: z.number(), high: z.number() })
    .refine((c) => c.high > c.low, { error: (issue) => `clip needs high > low, got [${(issue.input as { low: number }).low}, ${(issue.input as { high: number }).high}]` }),
  z.strictObject({ method: z.literal('window'), windows: z.array(window).min(1).readonly() }),
]);

export type NormalizeConfig = z.infer<typeof normalizeConfigSchema>;
