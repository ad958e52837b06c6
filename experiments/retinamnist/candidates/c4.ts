import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('c4', {
  fit: { optimizer: { learningRate: 3e-4 }, epochs: 60, earlyStopping: { monitor: 'val_auc', patience: 15, restoreBestWeights: true } },
});
