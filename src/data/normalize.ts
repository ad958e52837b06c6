import { MedpipeError } from '../base/errors.ts';
import type { ImageSet } from './image-set.ts';
import type { NormalizeConfig } from './normalize-config.ts';
import { shapeAfter } from './transform.ts';

/**
 * Records a normalization in the set's preprocessing steps: the loader applies it to every record
 * it reads (src/data/transform.ts), so no stage writes a normalised copy of the pixels. A dataset
 * z-score is only noted as deferred: `split` fits its statistics on the training split and appends
 * the fitted step.
 * @example
 *   normalizeImageSet(set, { method: 'clip', low: -1000, high: 400 })
 */
export function normalizeImageSet(set: ImageSet, config: NormalizeConfig): ImageSet {
  if (config.method === 'window' && set.shape[2] !== 1) {
    throw new MedpipeError('SHAPE_MISMATCH', `Windowing needs single-channel images, got ${set.shape[2]} channels.`, {
      fix: 'Set channels: 1 on the ingest stage; windows on grey values (HU) are stacked into channels.',
    });
  }
  if (config.method === 'zscore' && (config.scope ?? 'dataset') === 'dataset') {
    // Fitted by split on the training split only; its fitted step is appended there (and applied last).
    return { ...set, deferred: [...set.deferred, { method: 'zscore', perChannel: config.perChannel ?? false }] };
  }
  const preprocessing = [...set.preprocessing, { step: 'normalize' as const, ...config }];
  return { ...set, preprocessing, shape: shapeAfter(set.recordShape, preprocessing) };
}
