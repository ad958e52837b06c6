/**
 * The selection pipeline of the blind RetinaMNIST search (GRID.md): 3-fold cross-validation on
 * MedMNIST's train + val only; the test split is never read. Each candidate file passes its changes.
 */
import { pipeline, ingest, normalize, augment, split, build, crossValidate, type FitConfig } from 'medpipe';

type BuildNode = ReturnType<typeof build.tutorialCnn> | ReturnType<typeof build.compactCnn>;

export function cvPipeline(name: string, changes: { size?: readonly [number, number]; fit?: FitConfig; build?: BuildNode } = {}) {
  return pipeline(`retina-cv-${name}`, { seed: 42 })
    .stage(ingest.npz({ file: '../../../../shared/data/retinamnist/retinamnist.npz', task: 'ordinal', ...(changes.size ? { size: changes.size } : {}) }))
    .stage(normalize({ method: 'zscore', scope: 'dataset' }))
    .stage(augment({ rotation: 15, zoom: 0.1, horizontalFlip: true, verticalFlip: true }))
    .stage(split())
    .stage(changes.build ?? build.tutorialCnn({ filters: [32, 64] }))
    .stage(
      crossValidate({
        folds: 3,
        fit: { epochs: 40, batchSize: 32, earlyStopping: { monitor: 'val_auc', patience: 10, restoreBestWeights: true }, ...changes.fit },
      }),
    );
}
