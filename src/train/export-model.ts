import { join } from 'node:path';
import { modelFromData, type ModelData } from './model-data.ts';
import type { SegmentationModelInfo } from './segmentation-model.ts';
import type { ModelInfo } from './trained.ts';

/** Saves the model with what `medpipe predict` needs, in tfjs format. */
export async function exportModel(model: ModelData, info: ModelInfo | SegmentationModelInfo, dir: string): Promise<string[]> {
  const { saveModel } = await import('./model.ts');
  const loaded = await modelFromData(model);
  await saveModel(loaded, dir, { metadata: { medpipe: info } });
  loaded.dispose();
  return [join(dir, 'model.json'), join(dir, 'weights.bin')];
}
