import { describeReason } from '../runtime/cache-key.ts';
import { pipelineStatus } from '../runtime/run.ts';
import { loadPipelineFile } from './load-pipeline.ts';
import { parseRunArgs } from './main.ts';

/** `medpipe status <file>`: per stage, cached or stale, and why. */
export async function statusCommand(args: readonly string[]): Promise<number> {
  const { file, options } = parseRunArgs(args);
  const pipeline = await loadPipelineFile(file);
  const statuses = await pipelineStatus(pipeline, options);
  const width = Math.max(...statuses.map((s) => s.stage.length));
  for (const s of statuses) {
    const key = s.key ? ` ${s.key.slice(0, 10)}` : '';
    const state = s.state === 'after-upstream' ? 'stale (after upstream)' : s.state;
    process.stdout.write(`${s.stage.padEnd(width)}  ${state}${key}\n`);
    for (const reason of s.reasons) process.stdout.write(`${' '.repeat(width)}    ${describeReason(reason)}\n`);
  }
  return 0;
}
