import type { Pipeline } from '../pipeline.ts';
import type { MissReason } from './events.ts';
import { loadStages, missReasons, planStage } from './plan.ts';
import { Session, type RunOptions } from './session.ts';
import { validatePipeline } from './validate.ts';

export interface StageStatus {
  readonly stage: string;
  readonly kind: string;
  /** cached: a verified entry exists; remote: the remote cache would serve it; stale: will run; after-upstream: runs if its upstream's output changes. */
  readonly state: 'cached' | 'remote' | 'stale' | 'after-upstream';
  readonly key?: string;
  readonly reasons: readonly MissReason[];
}

/**
 * What `run` would do now, without running anything: per stage, cached or stale and why. It walks
 * the plan exactly as `run` does (src/runtime/plan.ts) and stops computing keys at the first stale
 * stage, whose output is not known before it runs. With a remote cache, a stage the remote would
 * serve is 'remote' (checked: signature, blobs present; nothing downloaded).
 * @example
 *   for (const s of await pipelineStatus(p)) console.log(s.stage, s.state);
 */
export async function pipelineStatus(pipeline: Pipeline<unknown>, options: RunOptions = {}): Promise<StageStatus[]> {
  const session = new Session(pipeline, options);
  const stages = await loadStages(validatePipeline(pipeline, { baseDir: session.baseDir }));
  await session.hasher.load();
  const signal = new AbortController().signal;
  let upstreamHash: string | undefined;
  const out: StageStatus[] = [];
  for (let i = 0; i < stages.length; i++) {
    const { node } = stages[i]!;
    if (i > 0 && upstreamHash === undefined) {
      out.push({ stage: node.id, kind: node.kind, state: 'after-upstream', reasons: [{ kind: 'upstream', stage: stages[i - 1]!.node.id }] });
      continue;
    }
    const planned = await planStage(
      session,
      stages,
      i,
      upstreamHash,
      session.context(node.id, signal, () => undefined, undefined, 'status'),
      'probe',
    );
    await planned.written;
    upstreamHash = planned.entry?.outputHash;
    if (planned.entry) out.push({ stage: node.id, kind: node.kind, state: planned.source === 'remote' ? 'remote' : 'cached', key: planned.key, reasons: [] });
    else out.push({ stage: node.id, kind: node.kind, state: 'stale', key: planned.key, reasons: await missReasons(session, planned) });
  }
  await session.hasher.save();
  return out;
}
