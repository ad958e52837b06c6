import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Artifact } from '../../../base/artifact.ts';
import { MedpipeError, throwIfAborted } from '../../../base/errors.ts';
import type { UnitDefinition, UnitItem, UnitRunner } from '../../../base/units.ts';
import type { Work } from '../../../base/work.ts';
import type { Executor, UnitScope } from '../executor.ts';
import { redactUrl } from '../lazy-bullmq.ts';
import { fromCache } from '../local.ts';
import { prepareUnit, type PreparedUnit } from '../unit-key.ts';
import { ATTEMPTS, connectionOptions, DEFAULT_QUEUE, type UnitJobData, type UnitJobResult, type UnitProgress } from './jobs.ts';
import { RedisBlobs } from './redis-blobs.ts';

export interface BullmqOptions {
  /** @default $MEDPIPE_QUEUE, else 'medpipe-units' */
  readonly queue?: string;
  /** How often job states are read (completion, loss after a Redis restart). @default 500 */
  readonly pollMs?: number;
}

/** A unit in flight, and the items of the run it answers (the same key twice is one job). */
interface Pending {
  readonly unit: PreparedUnit;
  readonly indices: number[];
  worker?: string;
}

type AnyJob = Job<UnitJobData, UnitJobResult>;

/**
 * The coordinator's side of the BullMQ executor: units the cache does not have become jobs with the
 * unit's key as job id (so the same work submitted twice, by this run or another, is one job), their
 * input blobs go to Redis, and every worker's progress comes back through QueueEvents onto the
 * stage's event stream. Completion is read from job states when QueueEvents says a job ended, and
 * by polling, which also notices a job lost with a restarted Redis and submits it again; ioredis
 * reconnects on its own.
 * @example
 *   const executor = bullmqExecutor('redis://127.0.0.1:6379');
 */
export function bullmqExecutor(url: string, options: BullmqOptions = {}): Executor {
  const name = options.queue ?? process.env.MEDPIPE_QUEUE ?? DEFAULT_QUEUE;
  const pollMs = options.pollMs ?? 500;
  const where = `${redactUrl(url)} (queue ${name})`;
  const queue = new Queue<UnitJobData, UnitJobResult>(name, { connection: connectionOptions(url) });
  const events = new QueueEvents(name, { connection: connectionOptions(url) });
  const redis = new Redis(url, connectionOptions(url));
  const blobs = new RedisBlobs(redis);
  // Connection errors are retried by ioredis; the run notes the outage once (see `poll`).
  let lastError: Error | undefined;
  const onError = (error: Error) => (lastError = error);
  queue.on('error', onError);
  events.on('error', onError);
  redis.on('error', onError);
  const progress = new Map<string, (data: UnitProgress) => void>();
  const stalled = new Map<string, () => void>();
  events.on('progress', ({ jobId, data }) => progress.get(jobId)?.(data as UnitProgress));
  events.on('stalled', ({ jobId }) => stalled.get(jobId)?.());
  // A job that ends wakes the waiting run at once; the poll is the fallback (and notices lost jobs).
  const wakers = new Map<string, () => void>();
  events.on('completed', ({ jobId }) => wakers.get(jobId)?.());
  events.on('failed', ({ jobId }) => wakers.get(jobId)?.());

  const submit = async (definition: UnitDefinition<unknown, unknown>, scope: UnitScope, unit: PreparedUnit): Promise<void> => {
    for (const [blob, bytes] of Object.entries(unit.artifact.blobs)) await blobs.put(unit.blobs[blob]!, bytes);
    // The shards a data set names go once per run of Redis's TTL (units of a stage share them).
    for (const ref of unit.refs) {
      if ((await blobs.size(ref.hash)) === ref.size) {
        await blobs.touch(ref.hash);
        continue;
      }
      const bytes = await scope.store.getObject(ref.hash);
      if (!bytes) {
        throw new MedpipeError('CACHE_CORRUPT', `${unit.label}: a shard of its data (${ref.hash.slice(0, 10)}) is gone from the cache ${scope.store.dir}.`, {
          fix: 'Run the pipeline again: the stages whose shards are missing are recomputed.',
        });
      }
      await blobs.put(ref.hash, bytes);
    }
    const existing = (await queue.getJob(unit.key)) as AnyJob | undefined;
    if (existing) {
      // A finished failure would answer at once: clear it and try again. Anything else is the same work, under way or done.
      if ((await existing.getState()) !== 'failed') return;
      await existing.remove();
    }
    const refs: Record<string, { hash: string; size: number }> = {};
    for (const [blob, bytes] of Object.entries(unit.artifact.blobs)) refs[blob] = { hash: unit.blobs[blob]!, size: bytes.byteLength };
    const data: UnitJobData = {
      kind: definition.kind,
      key: unit.key,
      inputs: unit.inputs,
      meta: unit.artifact.meta,
      blobs: refs,
      ...(unit.refs.length > 0 ? { refs: unit.refs } : {}),
      label: unit.label,
      pipeline: scope.pipeline,
      stage: scope.stage,
    };
    await queue.add(definition.kind, data, {
      jobId: unit.key,
      attempts: ATTEMPTS,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
  };

  const withdraw = async (keys: readonly string[]) => {
    for (const key of keys) {
      const job = await queue.getJob(key);
      if (job && ['waiting', 'delayed', 'prioritized'].includes(await job.getState())) await job.remove();
    }
  };

  /**
   * A finished job's result blobs from Redis, and the objects it points at into this cache (those
   * it lacks; re-hashed on arrival); undefined when one is gone (expired, or lost with Redis).
   */
  const resultArtifact = async (scope: UnitScope, done: UnitJobResult): Promise<Artifact | undefined> => {
    const out: Record<string, Uint8Array> = {};
    for (const [blob, { hash }] of Object.entries(done.blobs)) {
      const bytes = await blobs.get(hash);
      if (!bytes) return undefined;
      out[blob] = bytes;
    }
    for (const ref of done.refs ?? []) {
      if (await scope.store.hasObject(ref)) continue;
      const bytes = await blobs.get(ref.hash);
      if (!bytes || bytes.byteLength !== ref.size) return undefined;
      await scope.store.putObject(bytes);
    }
    return { meta: done.meta, blobs: out, ...(done.refs?.length ? { refs: done.refs } : {}) };
  };

  const runner = (scope: UnitScope): UnitRunner => ({
    parallel: true,
    async run<I, R>(definition: UnitDefinition<I, R>, items: readonly UnitItem<I>[], work: Work): Promise<R[]> {
      const results: R[] = new Array(items.length);
      const pending = new Map<string, Pending>();
      const emitUnit = (p: Pending, event: Omit<Extract<Parameters<Work['emit']>[0], { type: 'unit' }>, 'type' | 'unit' | 'key'>) =>
        work.emit({ type: 'unit', unit: p.unit.label, key: p.unit.key, ...event });
      for (const [i, item] of items.entries()) {
        throwIfAborted(work.signal);
        const unit = await prepareUnit(definition, item, scope.tfEnv);
        const same = pending.get(unit.key);
        if (same) {
          same.indices.push(i);
          continue;
        }
        const cached = await fromCache(scope, definition as UnitDefinition<unknown, R>, unit.key);
        if (cached) {
          work.emit({ type: 'unit', unit: unit.label, key: unit.key, state: 'cached', source: cached.source });
          results[i] = cached.result;
          continue;
        }
        pending.set(unit.key, { unit, indices: [i] });
      }
      if (pending.size === 0) return results;
      for (const p of pending.values()) {
        progress.set(p.unit.key, ({ worker, event }) => {
          p.worker = worker;
          if (event.type === 'start') emitUnit(p, { state: 'running', worker });
          else if (event.type === 'epoch') emitUnit(p, { state: 'running', worker, epoch: event.epoch, epochs: event.epochs, logs: event.logs });
          else if (event.type === 'log' && event.level === 'warn')
            work.emit({ type: 'log', level: 'warn', message: `${p.unit.label} on ${worker}: ${event.message}` });
        });
        stalled.set(p.unit.key, () =>
          emitUnit(p, {
            state: 'retrying',
            worker: p.worker,
            message: `worker ${p.worker ?? '?'} stopped answering: the job went back to the queue for another worker`,
          }),
        );
        await submit(definition as UnitDefinition<unknown, unknown>, scope, p.unit);
        emitUnit(p, { state: 'queued' });
      }
      try {
        await waitFor(definition as UnitDefinition<unknown, R>, scope, pending, results, work);
      } finally {
        for (const key of pending.keys()) {
          progress.delete(key);
          stalled.delete(key);
        }
        // A cancelled run takes back the jobs no worker has started; started ones finish into the workers' caches.
        if (work.signal?.aborted) await withdraw([...pending.keys()]).catch(() => undefined);
      }
      return results;
    },
  });

  const waitFor = async <R>(definition: UnitDefinition<unknown, R>, scope: UnitScope, pending: Map<string, Pending>, results: R[], work: Work) => {
    const open = new Set(pending.keys());
    let outage = false;
    while (open.size > 0) {
      throwIfAborted(work.signal);
      const woken = new AbortController();
      for (const key of open) wakers.set(key, () => woken.abort());
      await sleep(pollMs, undefined, { signal: AbortSignal.any([woken.signal, ...(work.signal ? [work.signal] : [])]) }).catch(() => undefined);
      for (const key of open) wakers.delete(key);
      throwIfAborted(work.signal);
      const seenError = lastError;
      if (seenError && !outage) {
        outage = true;
        work.emit({ type: 'log', level: 'warn', message: `lost the connection to Redis at ${where} (${seenError.message}); reconnecting, the jobs go on` });
      }
      for (const key of [...open]) {
        const p = pending.get(key)!;
        const job = (await queue.getJob(key)) as AnyJob | undefined;
        if (outage && lastError === seenError) {
          outage = false;
          lastError = undefined;
          work.emit({ type: 'log', level: 'info', message: `reconnected to Redis at ${where}` });
        }
        if (!job) {
          work.emit({ type: 'log', level: 'warn', message: `${p.unit.label}: its job is gone from Redis (restarted without its data?); submitting it again` });
          await submit(definition as UnitDefinition<unknown, unknown>, scope, p.unit);
          continue;
        }
        const state = await job.getState();
        if (state === 'failed') {
          throw new MedpipeError('EXECUTOR', `${p.unit.label} failed on the workers after ${job.attemptsMade} attempt(s): ${job.failedReason}`, {
            fix: 'Read the worker logs (medpipe worker prints each job); a worker needs the same medpipe and backend as this run.',
          });
        }
        if (state !== 'completed' || !job.returnvalue) continue;
        const done = job.returnvalue;
        const artifact = await resultArtifact(scope, done);
        if (!artifact) {
          work.emit({ type: 'log', level: 'warn', message: `${p.unit.label}: its result is gone from Redis; submitting it again` });
          await job.remove();
          await submit(definition as UnitDefinition<unknown, unknown>, scope, p.unit);
          continue;
        }
        await scope.store.put(
          {
            key,
            stage: scope.stage,
            kind: definition.kind,
            pipeline: scope.pipeline,
            inputs: p.unit.inputs,
            summary: p.unit.label,
            ms: done.ms,
            parent: scope.parent,
          },
          artifact,
        );
        const result = await definition.result.decode(artifact);
        for (const i of p.indices) results[i] = result;
        work.emit(
          done.cached
            ? {
                type: 'unit',
                unit: p.unit.label,
                key,
                state: 'cached',
                source: 'worker',
                worker: done.worker,
                message: `from the worker's ${done.cached} cache`,
              }
            : { type: 'unit', unit: p.unit.label, key, state: 'done', worker: done.worker, ms: done.ms },
        );
        open.delete(key);
      }
    }
  };

  return {
    describe: `BullMQ at ${where}`,
    runner,
    async close() {
      await Promise.allSettled([events.close(), queue.close()]);
      redis.disconnect();
    },
  };
}
