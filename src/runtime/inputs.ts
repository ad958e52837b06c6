import { resolve } from 'node:path';
import type { Pipeline } from '../pipeline.ts';

/** Files and folders a pipeline reads (for watch mode): every path-like config field of its stages. */
export function pipelineInputs(pipeline: Pipeline<unknown>, baseDir: string = process.cwd()): string[] {
  const paths: string[] = [];
  for (const node of pipeline.stages) {
    const config = node.config as Record<string, unknown> | undefined;
    for (const field of ['root', 'csv', 'file', 'path']) {
      const value = config?.[field];
      if (typeof value === 'string') paths.push(resolve(baseDir, value));
    }
  }
  return paths;
}
