import { checkConfig, describeConfigIssue } from '../base/config-issues.ts';
import { MedpipeError } from '../base/errors.ts';
import { hintFor, type AnyStage, type Pipeline } from '../pipeline.ts';
import { definitionOf, STAGE_KINDS } from '../stages/registry.ts';
import type { CheckContext } from '../stages/core/context.ts';
import type { AnyDefinition } from '../stages/core/define-stage.ts';
import type { ClassificationTask } from '../data/task.ts';

/** A node with its definition and its checked config (as the schema parsed it). */
export interface CheckedStage {
  readonly node: AnyStage;
  readonly definition: AnyDefinition;
  readonly config: unknown;
}

/**
 * Every problem of a pipeline, found without running anything: unknown kinds, stage order (for
 * pipelines written in plain JavaScript, where the types cannot help), duplicate ids, every config
 * against its stage's schema (unknown keys with a "did you mean", wrong types, out-of-range values)
 * and each stage's own checks (missing data folders).
 */
export function pipelineProblems(pipeline: Pipeline<unknown>, ctx: CheckContext): { problems: string[]; stages: CheckedStage[] } {
  const problems: string[] = [];
  const stages: CheckedStage[] = [];
  if (pipeline.stages.length === 0) problems.push('the pipeline has no stages: start with ingest.folder(...) or ingest.npz(...)');
  const seen = new Set<string>();
  let produced = 'an empty pipeline';
  // The task an ingest states (task: ...): later options of another task are problems before anything runs.
  let task: ClassificationTask | undefined;
  pipeline.stages.forEach((node, i) => {
    if (seen.has(node.id)) problems.push(`stage #${i + 1} (${node.kind}): id '${node.id}' is used twice; give one an explicit id`);
    seen.add(node.id);
    if (node.ports.in !== produced) problems.push(`stage #${i + 1} (${node.kind}) needs ${node.ports.in} but gets ${produced}: ${hintFor(node.ports.in)}`);
    produced = node.ports.out;
    const definition = definitionOf(node.kind);
    if (!definition) {
      problems.push(`stage #${i + 1}: unknown stage kind '${node.kind}'; use the stage factories exported by medpipe (${STAGE_KINDS.join(', ')})`);
      return;
    }
    const { issues, data } = checkConfig(definition.config, node.config);
    problems.push(...issues.map((issue) => describeConfigIssue(issue, node.id)));
    // The file checks run on the config as written even when other fields are wrong, so one pass
    // reports a missing data folder together with a misspelled option.
    const checked = issues.length === 0 ? data : node.config;
    problems.push(...safeCheck(definition, checked, ctx).map((problem) => `${node.id}: ${problem}`));
    const stated = (node.config as { task?: unknown } | null)?.task;
    if (node.ports.in === 'an empty pipeline') task = typeof stated === 'string' ? (stated as ClassificationTask) : undefined;
    else if (task && issues.length === 0 && definition.taskProblems)
      problems.push(...definition.taskProblems(checked as never, task).map((problem) => `${node.id}: ${problem} (the ingest states task '${task}')`));
    if (issues.length === 0) stages.push({ node, definition, config: checked });
  });
  return { problems, stages };
}

function safeCheck(definition: AnyDefinition, config: unknown, ctx: CheckContext): string[] {
  try {
    return definition.check?.(config as never, ctx) ?? [];
  } catch {
    return []; // a field the check needs is itself wrong, and already reported
  }
}

/** Throws one INVALID_PIPELINE error listing every problem; returns the checked stages otherwise. */
export function validatePipeline(pipeline: Pipeline<unknown>, ctx: CheckContext, extraProblems: readonly string[] = []): CheckedStage[] {
  const { problems, stages } = pipelineProblems(pipeline, ctx);
  const all = [...extraProblems, ...problems];
  if (all.length > 0) {
    throw new MedpipeError('INVALID_PIPELINE', `Pipeline '${pipeline.name}' has ${all.length} problem(s):`, {
      issues: all,
      fix: 'Fix the listed problems (in the pipeline file, or the --backend option) and run again.',
    });
  }
  return stages;
}
