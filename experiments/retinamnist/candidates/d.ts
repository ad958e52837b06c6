import { build } from 'medpipe';
import { cvPipeline } from '../cv-pipeline.ts';
// Stage D: the best architecture of Stage C (C2) with C4's slower learning rate, epochs and patience.
export default cvPipeline('d', {
  build: build.compactCnn({ filters: [32, 64, 128] }),
  fit: { optimizer: { learningRate: 3e-4 }, epochs: 60, earlyStopping: { monitor: 'val_auc', patience: 15, restoreBestWeights: true } },
});
