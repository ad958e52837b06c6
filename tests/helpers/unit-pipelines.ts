// The small pipelines the units-of-work tests share (local executor and BullMQ): a built model on
// 8x8 synthetic images, then a 4-point tune grid or a 3-fold crossValidate on it. The dataset z-score
// makes each fold refit its statistics (wherever it runs) on its inner training rows.
import path from 'node:path';
import type { RunEvent } from '../../src/runtime/events.ts';
import { makeClassFolders, type Medpipe } from './core.ts';

export const UNIT_GRID = { learningRate: [3e-2, 1e-3], batchSize: [8, 16] };

export function unitBase(m: Medpipe, name: string, seed: number) {
  return m
    .pipeline(name, { seed })
    .stage(m.ingest.folder({ root: 'data', channels: 1, size: [8, 8] }))
    .stage(m.normalize({ method: 'zscore', scope: 'dataset' }))
    .stage(m.split())
    .stage(m.build.tutorialCnn({ filters: [2, 2] }));
}

export type UnitEvent = Extract<RunEvent, { type: 'unit' }>;
export const unitEvents = (events: readonly RunEvent[]) => events.filter((e): e is UnitEvent => e.type === 'unit');

/** The images the pipelines read: `<dir>/data/{train,val,test}/<class>/`, 12/6/6 per class. */
export async function makeUnitData(dir: string): Promise<void> {
  for (const [split, n] of [
    ['train', 12],
    ['val', 6],
    ['test', 6],
  ] as const)
    await makeClassFolders(path.join(dir, 'data', split), n, { size: 8, seed: n });
}
