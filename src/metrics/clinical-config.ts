/**
 * Checks the evaluation options of the evaluate stage before anything runs, listing every problem
 * (the runtime shows them all at once with the stage id).
 */
import { checkRule, type ThresholdRule } from './operating-point.ts';

export interface ClinicalConfig {
  readonly threshold?: ThresholdRule;
  readonly bootstrap?: { readonly resamples?: number; readonly level?: number };
  readonly calibration?: { readonly bins?: number; readonly strategy?: string; readonly recalibrate?: string };
  readonly subgroups?: readonly string[] | false;
}

/**
 * @example
 *   evaluationConfigProblems({ bootstrap: { resamples: 0 } }); // ['bootstrap.resamples must be …']
 */
export function evaluationConfigProblems(config: ClinicalConfig): string[] {
  const problems: string[] = [];
  if (config.threshold !== undefined) {
    try {
      checkRule(config.threshold);
    } catch (error) {
      problems.push((error as Error).message.replace(/\.$/, ''));
    }
  }
  const { resamples, level } = config.bootstrap ?? {};
  if (resamples !== undefined && !(Number.isInteger(resamples) && resamples >= 100))
    problems.push(`bootstrap.resamples must be a whole number >= 100, got ${resamples}`);
  if (level !== undefined && !(level > 0 && level < 1)) problems.push(`bootstrap.level must be in (0, 1), e.g. 0.95, got ${level}`);
  const { bins, strategy, recalibrate } = config.calibration ?? {};
  if (bins !== undefined && !(Number.isInteger(bins) && bins >= 2 && bins <= 100))
    problems.push(`calibration.bins must be a whole number from 2 to 100, got ${bins}`);
  if (strategy !== undefined && strategy !== 'uniform' && strategy !== 'quantile')
    problems.push(`calibration.strategy must be 'uniform' or 'quantile', got ${String(strategy)}`);
  if (recalibrate !== undefined && recalibrate !== 'platt' && recalibrate !== 'isotonic')
    problems.push(`calibration.recalibrate must be 'platt' or 'isotonic', got ${String(recalibrate)}`);
  const subgroups = config.subgroups;
  if (subgroups !== undefined && subgroups !== false && !(Array.isArray(subgroups) && subgroups.every((s) => typeof s === 'string'))) {
    problems.push(`subgroups must be a list of attribute names or false, got ${JSON.stringify(subgroups)}`);
  }
  return problems;
}
