// Pipeline 'brain-tumor-mri', written by `medpipe init` for 7,019 images, 4 classes (glioma, meningioma,
// notumor, pituitary), brain MRIs. Edit freely: every stage is cached by its config, code and inputs, so a rerun
// only repeats what changed.
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('brain-tumor-mri', { seed: 42 })
  // 4 exclusive classes: task 'multiclass', a softmax over 4. Stating the task makes options of other tasks (a
  // positiveClass, a threshold) type errors.
  // 224x224 images read at 64x64: 12x fewer pixels to train on; raise it for fine detail if training time
  // allows. One channel: the 24 sampled images are greyscale (RGB files hold the same grey in each channel).
  .stage(
    ingest.folder({
      root: '../../shared/data/brain-tumor-mri',
      classes: ['glioma', 'meningioma', 'notumor', 'pituitary'],
      task: 'multiclass',
      size: [64, 64],
      channels: 1,
      onBadFile: 'fail',
    }),
  )
  // Mean and standard deviation of the training split only.
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
  // Applied by fit to training batches only. Brain MRI: the hemispheres mirror each other and tumours occur on
  // either side, so left-right flips are fair; small rotations and shifts for head position; no up-down flip.
  .stage(augment({ rotation: 10, translate: 0.05, zoom: 0.1, horizontalFlip: true }))
  // Keeps the data's own Training/Testing split; 20% of the training images (stratified by class) become the
  // validation split, which early stopping watches.
  .stage(split())
  // A compact CNN: three 3x3 conv + max-pool blocks (16, 32, 64 filters) → Dropout 0.5 → Dense(4, softmax). At
  // 64x64 it does a quarter of the work of the tutorial CNN (whose convolutions run at full resolution) and its
  // last block sees most of the image; build.tutorialCnn() is the tutorial's model.
  .stage(build.compactCnn({ filters: [16, 32, 64] }))
  // Classes are near balanced (glioma 1621, meningioma 1645, notumor 1996, pituitary 1757): no class weights.
  // Early stopping watches val_auc, the macro one-vs-rest ROC AUC on validation, and restores the best epoch's
  // weights.
  .stage(fit({ epochs: 30, batchSize: 32, earlyStopping: { monitor: 'val_auc', patience: 8, restoreBestWeights: true } }))
  // Predicted class = the most probable one. metrics.json: accuracy, balanced accuracy, kappa, per-class
  // precision/recall/specificity/F1, one-vs-rest AUCs; plots/: confusion matrices, ROC and PR per class,
  // per-class bars, Grad-CAM.
  .stage(evaluate());
