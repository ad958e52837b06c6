import { evaluateConfigSchema, type EvaluateConfig } from '../report/evaluate-config.ts';
import type { Evaluated } from '../report/evaluation.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { EvaluateConfig } from '../report/evaluate-config.ts';

export const evaluateStage = defineStage({
  kind: 'evaluate',
  // 6: validation-predictions.csv (the validation scores join the stage's output); 7: intervals,
  // calibration, operating points, subgroups, report.html, the threshold chosen on validation by default.
  version: 7,
  in: ports.trainedModel,
  out: ports.evaluation.as<Evaluated>(),
  config: evaluateConfigSchema,
  // The bootstrap is seeded by the pipeline seed.
  seeded: true,
  usesTf: true,
  load: async () => (await import('./evaluate.run.ts')).default,
});

/**
 * Scores the test split: metrics.json with intervals, predictions.csv, curves, calibration, operating
 * points, subgroups, classification report, plots and report.html; the threshold is chosen on validation
 * (Youden's J by default) and frozen before test.
 * @example
 *   evaluate({ threshold: { sensitivity: 0.9 } })
 */
export function evaluate(config: EvaluateConfig = {}) {
  return nodeOf(evaluateStage, config);
}
