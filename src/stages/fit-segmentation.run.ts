import { readSegmentationSamples } from '../data/segmentation-set.ts';
import { modelFromData, modelToData } from '../train/model-data.ts';
import { fitSegmentation } from '../train/fit-segmentation.ts';
import type { SegmentationFitConfig } from '../train/segmentation-config.ts';
import type { SegmentationBuilt, SegmentationTrained } from '../train/segmentation-model.ts';
import type { StageRun } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export default {
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    const data = await ctx.ancestor(ports.segSplits);
    const train = readSegmentationSamples(data, data.splits!.train, built);
    const val = readSegmentationSamples(data, data.splits!.val, built);
    const model = await modelFromData(built.model);
    const overlap = config.overlap ?? 0.5;
    try {
      const result = await fitSegmentation(model, train, val, {
        epochs: config.epochs ?? 20,
        steps: config.steps ?? 20,
        batchSize: config.batchSize ?? 16,
        patch: built.inputShape[0],
        classes: built.classes.length,
        seed: ctx.seed,
        loss: config.loss,
        learningRate: config.learningRate,
        schedule: config.schedule,
        posNeg: config.posNeg,
        augment: config.augment,
        earlyStopping: {
          monitor: 'val_dice',
          patience: config.earlyStopping?.patience ?? 5,
          minDelta: config.earlyStopping?.minDelta,
          restoreBestWeights: true,
        },
        overlap,
        signal: ctx.signal,
        onBatch: (e) => ctx.emit({ type: 'batch', ...e }),
        onEpoch: (e) => ctx.emit({ type: 'epoch', ...e }),
      });
      return {
        ...built,
        model: await modelToData(model),
        history: result.history,
        bestEpoch: result.bestEpoch,
        epochsRun: result.epochsRun,
        stoppedEarly: result.stoppedEarly,
        backend,
        overlap,
      };
    } finally {
      model.dispose();
    }
  },
  summary: (t) => {
    const best = t.history[t.bestEpoch - 1]?.val_dice;
    return `${t.epochsRun} epochs${t.stoppedEarly ? ' (stopped early)' : ''}, best epoch ${t.bestEpoch}${best !== undefined ? `, val Dice ${best.toFixed(3)}` : ''}`;
  },
} satisfies StageRun<SegmentationFitConfig, SegmentationBuilt, SegmentationTrained>;
