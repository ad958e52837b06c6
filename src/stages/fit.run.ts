import { writeTrainingFiles } from '../report/training-files.ts';
import { describeTraining } from '../report/summaries.ts';
import type { FitConfig } from '../train/fit-config.ts';
import { modelToData } from '../train/model-data.ts';
import { modelInfo, type Built, type Trained } from '../train/trained.ts';
import { averageModels, memberSeed, prefixLayerNames } from '../train/ensemble.ts';
import type { FitResult } from '../train/fit.ts';
import { toFitData, trainFresh } from '../train/train-fresh.ts';
import type { LayersModel } from '@tensorflow/tfjs';
import type { StageRun } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export default {
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    const data = await ctx.ancestor(ports.splits);
    const count = config.ensemble ?? 1;
    const members: { model: LayersModel; result: FitResult; seed: number }[] = [];
    try {
      for (let m = 0; m < count; m++) {
        const seed = memberSeed(ctx.seed, m);
        const note = count > 1 ? { note: `member ${m + 1}/${count}` } : {};
        const initial = count > 1 ? prefixLayerNames(built.model, `m${m + 1}_`) : built.model;
        members.push({
          ...(await trainFresh(initial, toFitData(data, data.train), toFitData(data, data.val), config, { ...ctx, seed }, { augment: data.augment, ...note })),
          seed,
        });
      }
      const { result } = members[0]!;
      const model = count > 1 ? await averageModels(members.map((x) => x.model)) : members[0]!.model;
      const monitor = config.earlyStopping === false ? undefined : (config.earlyStopping?.monitor ?? 'val_auc');
      return {
        ...(count > 1
          ? {
              members: members.map((x) => ({
                seed: x.seed,
                bestEpoch: x.result.bestEpoch,
                epochsRun: x.result.epochsRun,
                ...(monitor && x.result.history[x.result.bestEpoch - 1]?.[monitor] !== undefined
                  ? { best: x.result.history[x.result.bestEpoch - 1]![monitor] }
                  : {}),
              })),
            }
          : {}),
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
      // Disposing the members frees the ensemble's weights too (it shares their layers).
      for (const x of members) x.model.dispose();
    }
  },
  summary: describeTraining,
  export: writeTrainingFiles,
} satisfies StageRun<FitConfig, Built, Trained>;
