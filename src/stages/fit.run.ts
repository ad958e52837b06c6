import { writeTrainingFiles } from '../report/training-files.ts';
import { describeTraining } from '../report/summaries.ts';
import type { FitConfig } from '../train/fit-config.ts';
import { modelToData } from '../train/model-data.ts';
import { modelInfo, type Built, type Trained } from '../train/trained.ts';
import { toFitData, trainFresh } from '../train/train-fresh.ts';
import type { StageRun } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export default {
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    const data = await ctx.ancestor(ports.splits);
    const { model, result } = await trainFresh(built.model, toFitData(data, data.train), toFitData(data, data.val), config, ctx, { augment: data.augment });
    try {
      return {
        model: await modelToData(model),
        history: result.history,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        restoredBest: result.restoredBest,
        epochsRun: result.epochsRun,
        backend,
        dataHash: built.dataHash,
        info: modelInfo(data),
      };
    } finally {
      model.dispose();
    }
  },
  summary: describeTraining,
  export: writeTrainingFiles,
} satisfies StageRun<FitConfig, Built, Trained>;
