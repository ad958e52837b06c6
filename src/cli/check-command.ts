import { forcedBackendProblem } from '../backend/select.ts';
import { MedpipeError } from '../base/errors.ts';
import { definitionOf } from '../stages/registry.ts';
import { pipelineProblems } from '../runtime/validate.ts';
import { loadPipelineFile } from './load-pipeline.ts';
import { parseRunArgs } from './main.ts';
import { typecheckPipeline } from './typecheck.ts';

/**
 * `medpipe check <pipeline.ts>`: type-checks the file, then validates the pipeline (stage order,
 * every config against its schema, data folders) without running anything. Exit 0 when clean.
 */
export async function checkCommand(args: readonly string[]): Promise<number> {
  const { file, options } = parseRunArgs(args);
  const lines: string[] = [];
  const types = await typecheckPipeline(file);
  if (types === undefined) process.stdout.write('check: TypeScript not found; types not checked (npm install -D typescript)\n');
  for (const problem of types ?? []) lines.push(`${problem.where} - ${problem.message.replace(/\n/g, '\n    ')}`);
  let name = file;
  try {
    const pipeline = await loadPipelineFile(file);
    name = `'${pipeline.name}'`;
    const usesTf = pipeline.stages.some((node) => definitionOf(node.kind)?.usesTf);
    const backend = usesTf ? forcedBackendProblem(options.backend ?? process.env.MEDPIPE_BACKEND) : undefined;
    const { problems } = pipelineProblems(pipeline, { baseDir: options.baseDir });
    lines.push(...[...(backend ? [backend] : []), ...problems]);
  } catch (error) {
    if (!(error instanceof MedpipeError)) throw error;
    lines.push(`${error.message}${error.fix ? ` Fix: ${error.fix}` : ''}`);
  }
  if (lines.length === 0) {
    process.stdout.write(`check: pipeline ${name} has no problems${types ? '' : ' (types not checked)'}\n`);
    return 0;
  }
  process.stdout.write(`check: pipeline ${name} has ${lines.length} problem(s):\n${lines.map((l) => `  - ${l}`).join('\n')}\n`);
  return 1;
}
