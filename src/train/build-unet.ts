import { join } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { baseModelPath } from './build-model.ts';
import { modelToData } from './model-data.ts';
import type { UnetBuildConfig } from './segmentation-config.ts';
import type { SegmentationBuilt } from './segmentation-model.ts';

/** The model.json a U-Net's encoder is transferred from: `from` names it, or the model folder holding it (relative to the pipeline's folder). */
export function encoderModelJson(from: string, baseDir: string): string {
  const location = baseModelPath(from, baseDir);
  return location.endsWith('.json') ? location : join(location, 'model.json');
}

/** The default patch: the largest multiple of 2^depth that fits the images, at most 64. */
export function defaultPatch(shape: readonly [number, number, number], depth: number): number {
  const unit = 2 ** depth;
  return Math.floor(Math.min(64, shape[0], shape[1]) / unit) * unit;
}

/**
 * A U-Net for patches of the data's channels, as plain data.
 * @example
 *   const built = await buildUnet({ depth: 3, baseFilters: 16, patch: 48 }, [292, 282, 1], ['background', 'vessel'], { seed: 1, dataHash });
 */
export async function buildUnet(
  config: UnetBuildConfig,
  shape: readonly [number, number, number],
  classes: readonly string[],
  { seed, dataHash, baseDir = '.', log }: { seed: number; dataHash: string; baseDir?: string; log?: (message: string) => void },
): Promise<SegmentationBuilt> {
  const { unet } = await import('./unet.ts');
  const { modelSummary } = await import('./model.ts');
  const { patch: wanted, encoder, slices = 1, ...options } = config;
  const depth = options.depth ?? 3;
  const patch = wanted ?? defaultPatch(shape, depth);
  if (patch < 2 ** depth || patch > Math.min(shape[0], shape[1])) {
    throw new MedpipeError('SHAPE_MISMATCH', `build.unet: a ${patch}x${patch} patch does not fit images of ${shape[0]}x${shape[1]} at depth ${depth}.`, {
      fix: `Set patch to a multiple of ${2 ** depth} between ${2 ** depth} and ${Math.min(shape[0], shape[1])}, or lower depth.`,
    });
  }
  const inputShape = [patch, patch, shape[2] * slices] as const;
  const model = unet(inputShape, classes.length, options, seed);
  try {
    if (encoder) {
      const { loadEncoder } = await import('./unet-encoder.ts');
      const loaded = await loadEncoder(model, encoder, baseDir);
      log?.(`encoder from ${encoder.from}${encoder.freeze ? ' (frozen)' : ''}: ${loaded.length} layers (${loaded.join(', ')})`);
    }
    return { model: await modelToData(model), summary: modelSummary(model), inputShape, classes, dataHash, ...(slices > 1 ? { slices } : {}) };
  } finally {
    model.dispose();
  }
}
