import { describeTraining } from '../report/summaries.ts';
import { writeTrainingFiles } from '../report/training-files.ts';
import { writeTuneFiles } from '../report/tune-files.ts';
import type { Built } from '../train/trained.ts';
import { describeParams, runTune, type Tuned } from '../train/tune.ts';
import type { TuneConfig } from '../train/tune-config.ts';
import type { StageRun } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export default {
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    return runTune(built, await ctx.ancestor(ports.splits), config, ctx, backend);
  },
  summary: (t) => {
    const w = t.tune.points[t.tune.winner - 1];
    const score = w?.val[t.tune.monitor];
    return `best of ${t.tune.points.length}: ${w ? describeParams(w.params) : '?'} (${t.tune.monitor} ${typeof score === 'number' ? score.toFixed(4) : 'n/a'}); ${describeTraining(t)}`;
  },
  export: async (t, outDir) => [...(await writeTrainingFiles(t, outDir)), ...(await writeTuneFiles(t, outDir))],
} satisfies StageRun<TuneConfig, Built, Tuned>;
