import type { StageStatus } from '../runtime/status.ts';
import { describeMissReason } from './format.ts';

/**
 * `medpipe status` as lines: per stage its state and short key, then each reason it reruns.
 * @example
 *   statusLines(await pipelineStatus(p)).forEach((line) => console.log(line));
 */
export function statusLines(statuses: readonly StageStatus[]): string[] {
  const width = Math.max(0, ...statuses.map((s) => s.stage.length));
  return statuses.flatMap((s) => {
    const key = s.key ? ` ${s.key.slice(0, 10)}` : '';
    const state =
      s.state === 'after-upstream' ? 'stale (after upstream)' : s.state === 'remote' ? 'remote (the remote cache has it: a run downloads it)' : s.state;
    return [`${s.stage.padEnd(width)}  ${state}${key}`, ...s.reasons.map((reason) => `${' '.repeat(width)}    ${describeMissReason(reason)}`)];
  });
}
