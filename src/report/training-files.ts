import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import { exportModel } from '../train/export-model.ts';
import type { Trained } from '../train/trained.ts';

/** Writes model/ (tfjs format with what predict needs) and history.json (1-based epochs); returns their paths. */
export async function writeTrainingFiles(t: Trained, outDir: string): Promise<string[]> {
  const files = await exportModel(t.model, t.info, join(outDir, 'model'));
  const history = join(outDir, 'history.json');
  await writeFileAtomic(
    history,
    JSON.stringify(
      t.history.map((logs, i) => ({ epoch: i + 1, ...logs })),
      null,
      2,
    ) + '\n',
  );
  return [...files, history];
}
