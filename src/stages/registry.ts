import { MedpipeError } from '../runtime/errors.ts';
import type { StageImpl } from '../runtime/stage-impl.ts';

/** Stage implementations by kind, loaded lazily so a cached run never loads TensorFlow.js or sharp. */
const loaders: Record<string, () => Promise<StageImpl>> = {
  'ingest.folder': async () => (await import('./ingest.run.ts')).ingestFolderImpl,
  'ingest.csv': async () => (await import('./ingest.run.ts')).ingestCsvImpl,
  'ingest.npz': async () => (await import('./ingest-npz.run.ts')).ingestNpzImpl,
  normalize: async () => (await import('./normalize.run.ts')).normalizeImpl,
  augment: async () => (await import('./augment.run.ts')).augmentImpl,
  split: async () => (await import('./split.run.ts')).splitImpl,
  build: async () => (await import('./build.run.ts')).buildImpl,
  fit: async () => (await import('./fit.run.ts')).fitImpl,
  evaluate: async () => (await import('./evaluate.run.ts')).evaluateImpl,
  tune: async () => (await import('./tune.run.ts')).tuneImpl,
  crossValidate: async () => (await import('./cross-validate.run.ts')).crossValidateImpl,
};

export async function loadStageImpl(kind: string): Promise<StageImpl> {
  const load = loaders[kind];
  if (!load) {
    throw new MedpipeError('INVALID_PIPELINE', `Unknown stage kind '${kind}'.`, {
      fix: `Use the stage factories exported by medpipe (${Object.keys(loaders).join(', ')}).`,
    });
  }
  return load();
}
