import { hintFor, type Pipeline } from '../pipeline.ts';
import { MedpipeError } from './errors.ts';
import type { StageImpl, ValidationContext } from './stage-impl.ts';

/**
 * Checks the whole graph before anything runs and reports every problem at once: stage order
 * (for pipelines written in plain JavaScript, where the types cannot help), duplicate ids, and
 * each stage's own checks (missing data folders, impossible values).
 */
export async function validatePipeline(
  pipeline: Pipeline<unknown>,
  impls: readonly StageImpl[],
  ctx: ValidationContext,
  extraIssues: readonly string[] = [],
): Promise<void> {
  const issues: string[] = [...extraIssues];
  if (pipeline.stages.length === 0) issues.push('the pipeline has no stages: start with ingest.folder(...) or ingest.npz(...)');
  const seen = new Set<string>();
  let produced = 'an empty pipeline';
  pipeline.stages.forEach((node, i) => {
    if (seen.has(node.id)) issues.push(`stage #${i + 1} (${node.kind}): id '${node.id}' is used twice; give one an explicit id`);
    seen.add(node.id);
    if (node.ports.in !== produced) {
      issues.push(`stage #${i + 1} (${node.kind}) needs ${node.ports.in} but gets ${produced}: ${hintFor(node.ports.in)}`);
    }
    produced = node.ports.out;
  });
  for (let i = 0; i < pipeline.stages.length; i++) {
    const node = pipeline.stages[i]!;
    const problems = (await impls[i]!.validate?.(node.config, ctx)) ?? [];
    for (const problem of problems) issues.push(`${node.id}: ${problem}`);
  }
  if (issues.length > 0) {
    throw new MedpipeError('INVALID_PIPELINE', `Pipeline '${pipeline.name}' has ${issues.length} problem(s):`, {
      issues,
      fix: 'Fix the listed problems (in the pipeline file, or the --backend option) and run again.',
    });
  }
}
