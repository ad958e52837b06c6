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
    const built = await ctx.ancestor(ports.builtModel);
    return evaluateModel(trained, await ctx.ancestor(ports.splits), config, ctx, { seed: ctx.seed, built });
  },
  summary: (e) =>
    e.task === undefined
      ? `test: auc ${fixed4(e.metrics.auc)}${ciText(e.clinical.intervals.auc)}, accuracy ${fixed4(e.metrics.accuracy)}, recall ${fixed4(e.metrics.recall)}, specificity ${fixed4(e.metrics.specificity)} at threshold ${fixed4(e.metrics.threshold)}`
      : e.task === 'multilabel'
        ? `test: macro auc ${fixed4(e.metrics.auc)}, micro auc ${fixed4(e.metrics.microAuc)}, hamming loss ${fixed4(e.metrics.hammingLoss)}, subset accuracy ${fixed4(e.metrics.subsetAccuracy)}`
        : `test: accuracy ${fixed4(e.metrics.accuracy)}, macro auc ${fixed4(e.metrics.auc)}, balanced accuracy ${fixed4(e.metrics.balancedAccuracy)}${e.task === 'ordinal' ? `, quadratic-weighted kappa ${fixed4(e.metrics.quadraticWeightedKappa)}` : `, kappa ${fixed4(e.metrics.kappa)}`}`,
  export: writeEvaluationFiles,
} satisfies StageRun<EvaluateConfig, Trained, Evaluated>;

/** " (95% CI 0.949–0.982)" from the BCa interval, or nothing when it is undefined. */
function ciText(ci: { readonly bca: { lower: number; upper: number } | null; readonly level: number } | undefined): string {
  return ci?.bca && Number.isFinite(ci.bca.lower) ? ` (${Math.round(ci.level * 100)}% CI ${ci.bca.lower.toFixed(3)}–${ci.bca.upper.toFixed(3)})` : '';
}
