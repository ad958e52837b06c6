import { pipelineStatus } from '../runtime/run.ts';
import { statusLines } from '../view/status-lines.ts';
import { loadPipelineFile } from './load-pipeline.ts';
import { parseRunArgs } from './main.ts';

/** `medpipe status <file>`: per stage, cached or stale, and why. */
export async function statusCommand(args: readonly string[]): Promise<number> {
  const { file, options } = parseRunArgs(args);
  const pipeline = await loadPipelineFile(file);
  for (const line of statusLines(await pipelineStatus(pipeline, options))) process.stdout.write(`${line}\n`);
  return 0;
}
