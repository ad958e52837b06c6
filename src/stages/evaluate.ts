import { evaluateConfigSchema, type EvaluateConfig } from '../report/evaluate-config.ts';
import type { Evaluated } from '../report/evaluation.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { EvaluateConfig } from '../report/evaluate-config.ts';

export const evaluateStage = defineStage({
  kind: 'evaluate',
  // 6: validation-predictions.csv (the validation scores join the stage's output).
  version: 6,
  in: ports.trainedModel,
  out: ports.evaluation.as<Evaluated>(),
  config: evaluateConfigSchema,
  usesTf: true,
  load: async () => (await import('./evaluate.run.ts')).default,
});

/**
 * Scores the test split: metrics.json, predictions.csv, curves, classification report and plots.
 * @example
 *   evaluate({ threshold: { sensitivity: 0.9 } })
 */
export function evaluate(config: EvaluateConfig = {}) {
  return nodeOf(evaluateStage, config);
}
