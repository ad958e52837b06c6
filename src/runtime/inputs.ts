import { resolve } from 'node:path';
import type { Pipeline } from '../pipeline.ts';
import { definitionOf } from '../stages/registry.ts';

/** Files and folders a pipeline reads (for watch mode), as each stage's definition names them. */
export function pipelineInputs(pipeline: Pipeline<unknown>, baseDir: string = process.cwd()): string[] {
  return pipeline.stages.flatMap((node) => {
    const inputs = definitionOf(node.kind)?.inputs;
    if (!inputs) return [];
    try {
      return inputs(node.config as never).map((path) => resolve(baseDir, path));
    } catch {
      return []; // an invalid config: validation reports it when the run starts
    }
  });
}
