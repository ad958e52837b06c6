import type { EvaluateConfig } from '../report/evaluate-config.ts';
import { evaluateModel, type Evaluated } from '../report/evaluation.ts';
import { writeEvaluationFiles } from '../report/evaluation-files.ts';
import { fixed4 } from '../report/summaries.ts';
import type { Trained } from '../train/trained.ts';
import type { StageRun } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export default {
  async run(trained, config, ctx) {
    await ctx.backend();
    return evaluateModel(trained, await ctx.ancestor(ports.splits), config, ctx);
  },
  summary: (e) =>
    `test: auc ${fixed4(e.metrics.auc)}, accuracy ${fixed4(e.metrics.accuracy)}, recall ${fixed4(e.metrics.recall)}, specificity ${fixed4(e.metrics.specificity)} at threshold ${fixed4(e.metrics.threshold)}`,
  export: writeEvaluationFiles,
} satisfies StageRun<EvaluateConfig, Trained, Evaluated>;
