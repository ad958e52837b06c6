import { writeCrossValidationFiles } from '../report/cross-validation-files.ts';
import { fixed4 } from '../report/summaries.ts';
import { runCrossValidation, type CrossValidated } from '../train/cross-validate.ts';
import type { CrossValidateConfig } from '../train/cross-validate-config.ts';
import type { Built } from '../train/trained.ts';
import type { StageRun } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export default {
  async run(built, config, ctx) {
    const backend = await ctx.backend();
    return runCrossValidation(built, await ctx.ancestor(ports.splits), config, ctx, backend);
  },
  summary: (cv) => {
    const accuracy = cv.summary.accuracy ? 'accuracy' : 'subsetAccuracy';
    const auc = cv.task ? 'macro auc' : 'auc';
    return `${cv.k}-fold CV: ${auc} ${fixed4(cv.summary.auc?.mean)} ± ${fixed4(cv.summary.auc?.std)}, ${accuracy} ${fixed4(cv.summary[accuracy]?.mean)} ± ${fixed4(cv.summary[accuracy]?.std)}; pooled out-of-fold ${auc} ${fixed4(cv.pooled.auc)}`;
  },
  export: writeCrossValidationFiles,
} satisfies StageRun<CrossValidateConfig, Built, CrossValidated>;
