import { normalizeConfigSchema, type NormalizeConfig } from '../data/normalize-config.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { NormalizeConfig } from '../data/normalize-config.ts';

export const normalizeStage = defineStage({
  kind: 'normalize',
  version: 1,
  in: ports.images,
  out: ports.images,
  config: normalizeConfigSchema,
  load: async () => (await import('./normalize.run.ts')).default,
});

/**
 * Normalizes intensities (see NormalizeConfig for the methods).
 * @example
 *   normalize({ method: 'zscore', scope: 'dataset' })   // statistics from the training split only
 */
export function normalize(config: NormalizeConfig = { method: 'rescale' }) {
  return nodeOf(normalizeStage, config);
}
