/** The training library: model builders and IO, losses, augmentation and the training loop. */
export {
  tutorialCnn,
  toChannelsLast,
  loadBaseModel,
  modelSummary,
  saveModel,
  loadModel,
  readModelMetadata,
  type TutorialCnnOptions,
  type LoadBaseModelOptions,
} from './model.ts';
export { binaryCrossEntropy, focalLoss, classWeights, sampleWeightsFor, type FocalLossOptions, type LossFn } from './losses.ts';
export {
  augmentBatch,
  createRng,
  deriveSeed,
  transformImage,
  sampleTransform,
  validateAugmentPolicy,
  isIdentityPolicy,
  IDENTITY_TRANSFORM,
  type AugmentPolicy,
  type ImageTransform,
  type Rng,
} from '../data/augment.ts';
export {
  fitModel,
  predictScores,
  epochBatches,
  epochOrder,
  epochLogKeys,
  regularizationLoss,
  type FitData,
  type FitOptions,
  type FitResult,
  type EarlyStoppingOptions,
  type EpochBatches,
} from './fit.ts';
export { EarlyStopping, resolveMode } from './early-stopping.ts';
export { useFastCpuKernels, restoreStockCpuKernels } from '../backend/cpu-kernels.ts';
