import { stageNode, type BuiltModel, type Splits, type StageNode } from '../pipeline.ts';
import type { TutorialCnnOptions } from '../train/model.ts';
import type { LayersModel } from '@tensorflow/tfjs';

export type BuildConfig =
  | ({
      readonly model: 'tutorial-cnn';
      /** Expected input; channels-first (3, 64, 64) is accepted and converted. @default the data's shape */
      readonly inputShape?: readonly number[];
      /**
       * BatchNorm momentum, or 'auto': chosen from the training split's batches per epoch (at fit's
       * default batch size 32) so the moving statistics forget their start within one epoch (see
       * batchNormMomentumFor). @default 0.99 (Keras, the tutorial)
       */
      readonly batchNormMomentum?: number | 'auto';
    } & Omit<TutorialCnnOptions, 'batchNormMomentum'>)
  | { readonly model: 'custom'; readonly create: (inputShape: [number, number, number], tf: typeof import('@tensorflow/tfjs')) => LayersModel }
  | {
      readonly model: 'pretrained';
      /** Folder with a saved tfjs model (model.json + weights). */ readonly path: string;
      /** true, or freeze all but the last n layers. @default true */ readonly freeze?: boolean | number;
    };

type Node<C extends BuildConfig> = StageNode<Splits, BuiltModel, 'build', C>;

/**
 * Makes the model to train.
 * @example
 *   build.tutorialCnn()                       // Conv2D(128,5x5) → Conv2D(64,3x3) … Dense(1, sigmoid)
 *   build.pretrained({ path: 'models/base', freeze: true })
 */
export const build = {
  /** The tutorial's CNN: Conv2D(128, 5x5) → Conv2D(64, 3x3) (L2 1e-3, relu) → MaxPool 2x2 → BatchNorm → Flatten → Dropout 0.5 → Dense(1, sigmoid, GlorotNormal). */
  tutorialCnn: (options: Omit<Extract<BuildConfig, { model: 'tutorial-cnn' }>, 'model'> = {}): Node<Extract<BuildConfig, { model: 'tutorial-cnn' }>> =>
    stageNode('build', { model: 'tutorial-cnn' as const, ...options }, { in: 'splits', out: 'built model' }),
  /** Any tf.LayersModel (Sequential or functional) with one image input and one sigmoid output. */
  custom: (create: Extract<BuildConfig, { model: 'custom' }>['create']): Node<Extract<BuildConfig, { model: 'custom' }>> =>
    stageNode('build', { model: 'custom' as const, create }, { in: 'splits', out: 'built model' }),
  /** Transfer learning from a local saved tfjs model; a new Dense(1, sigmoid) head is added when needed. */
  pretrained: (options: Omit<Extract<BuildConfig, { model: 'pretrained' }>, 'model'>): Node<Extract<BuildConfig, { model: 'pretrained' }>> =>
    stageNode('build', { model: 'pretrained' as const, ...options }, { in: 'splits', out: 'built model' }),
};
