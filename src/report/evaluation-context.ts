/**
 * What the report says about the data, the model and its training, gathered by the evaluate stage
 * from its upstream outputs. Counts and summaries only: no sample ids, file paths or group keys.
 */
import type { SplitSet } from '../data/image-set.ts';
import { SPLITS, type SplitName } from '../data/types.ts';

export interface EvaluationContext {
  readonly data: {
    readonly classes: readonly string[];
    readonly shape: readonly number[];
    /** Images per split and class (class order as `classes`). */
    readonly counts: Readonly<Record<SplitName, readonly number[]>>;
    /** Distinct patient groups per split (0 when the data has no group keys). */
    readonly groups: Readonly<Record<SplitName, number>>;
    readonly audit: SplitSet['audit'];
    /** Preprocessing steps in order (decode, normalize with its fitted statistics, …). */
    readonly preprocessing: readonly unknown[];
    /** Metadata attributes present on the test images (for subgroups). */
    readonly attributes: readonly string[];
  };
  readonly model: { readonly summary?: string };
  readonly training: {
    readonly epochsRun?: number;
    readonly bestEpoch: number;
    readonly stoppedEarly?: boolean;
    readonly restoredBest?: boolean;
    readonly backend?: string;
  };
}

/**
 * @example
 *   const context = evaluationContext(splits, built, trained);
 */
export function evaluationContext(
  splits: SplitSet,
  built: { readonly summary?: string } | undefined,
  trained: {
    readonly bestEpoch: number;
    readonly epochsRun?: number;
    readonly stoppedEarly?: boolean;
    readonly restoredBest?: boolean;
    readonly backend?: string;
  },
): EvaluationContext {
  const groups = Object.fromEntries(
    SPLITS.map((name) => [name, new Set(splits[name].samples.flatMap((s) => (s.group === undefined ? [] : [s.group]))).size]),
  ) as Record<SplitName, number>;
  const attributes = [...new Set(splits.test.samples.flatMap((s) => Object.keys(s.attributes ?? {})))].sort();
  // The audit's examples name files; the report keeps only the counts.
  const audit = { duplicateContent: splits.audit.duplicateContent, sharedGroups: splits.audit.sharedGroups, examples: [] };
  return {
    data: { classes: splits.classes, shape: [...splits.shape], counts: splits.counts, groups, audit, preprocessing: splits.preprocessing, attributes },
    model: built?.summary ? { summary: built.summary } : {},
    training: {
      bestEpoch: trained.bestEpoch,
      ...(trained.epochsRun !== undefined ? { epochsRun: trained.epochsRun } : {}),
      ...(trained.stoppedEarly !== undefined ? { stoppedEarly: trained.stoppedEarly } : {}),
      ...(trained.restoredBest !== undefined ? { restoredBest: trained.restoredBest } : {}),
      ...(trained.backend !== undefined ? { backend: trained.backend } : {}),
    },
  };
}
