import type { Pipeline } from '../pipeline.ts';
import { loadStageImpl } from '../stages/registry.ts';
import { explainMiss } from './cache-key.ts';
import type { MissReason } from './events.ts';
import { Session, type RunOptions } from './session.ts';
import { validatePipeline } from './validate.ts';

export interface StageStatus {
  readonly stage: string;
  readonly kind: string;
  /** cached: a verified entry exists; stale: will run; after-upstream: runs if its upstream's output changes. */
  readonly state: 'cached' | 'stale' | 'after-upstream';
  readonly key?: string;
  readonly reasons: readonly MissReason[];
}

/**
 * What `run` would do now, without running anything: per stage, cached or stale and why.
 * @example
 *   for (const s of await pipelineStatus(p)) console.log(s.stage, s.state);
 */
export async function pipelineStatus(pipeline: Pipeline<unknown>, options: RunOptions = {}): Promise<StageStatus[]> {
  const session = new Session(pipeline, options);
  const impls = await Promise.all(pipeline.stages.map((s) => loadStageImpl(s.kind)));
  await validatePipeline(pipeline, impls, { baseDir: session.baseDir });
  await session.hasher.load();
  const signal = new AbortController().signal;
  const ctxFor = (stage: string) => session.context(stage, signal, () => undefined);
  const hashes: (string | undefined)[] = [];
  const out: StageStatus[] = [];
  for (let i = 0; i < pipeline.stages.length; i++) {
    const node = pipeline.stages[i]!;
    if (i > 0 && hashes[i - 1] === undefined) {
      out.push({ stage: node.id, kind: node.kind, state: 'after-upstream', reasons: [{ kind: 'upstream', stage: pipeline.stages[i - 1]!.id }] });
      continue;
    }
    const planned = await session.plan(impls, ctxFor, (j) => hashes[j], i);
    if (planned.entry) {
      hashes[i] = planned.entry.outputHash;
      out.push({ stage: node.id, kind: node.kind, state: 'cached', key: planned.key, reasons: [] });
    } else {
      const previous = await session.store.readIndex(pipeline.name, node.id);
      out.push({ stage: node.id, kind: node.kind, state: 'stale', key: planned.key, reasons: explainMiss(previous?.inputs, planned.inputs) });
    }
  }
  await session.hasher.save();
  return out;
}
