/**
 * One job on a worker, in BullMQ's sandboxed child process: serve the unit from the worker's cache
 * (local, then remote) if it is there, else fetch its input from Redis, run it, store the result
 * (uploading it when the remote is writable) and hand the result's blobs back through Redis.
 */
import { Redis } from 'ioredis';
import type { SandboxedJob } from 'bullmq';
import type { Artifact } from '../../../base/artifact.ts';
import { sha256 } from '../../../base/canonical.ts';
import { MedpipeError } from '../../../base/errors.ts';
import type { WorkEvent } from '../../../base/work.ts';
import type { RemoteOptions } from '../../../remote/open-remote.ts';
import type { CacheStore } from '../../cache-store.ts';
import { openCache } from '../../session.ts';
import { unitDefinition } from '../unit-kinds.ts';
import { connectionOptions, type UnitJobData, type UnitJobResult, type UnitProgress } from './jobs.ts';
import { RedisBlobs } from './redis-blobs.ts';

/** What `medpipe worker` passes its children (in MEDPIPE_WORKER_SETTINGS). */
export interface WorkerSettings {
  readonly redis: string;
  readonly cacheDir: string;
  readonly remote?: RemoteOptions;
}

let shared: { store: CacheStore; blobs: RedisBlobs } | undefined;

/** An error BullMQ does not retry (named as BullMQ's UnrecoverableError): retrying cannot help. */
function unrecoverable(message: string, fix: string): Error {
  return Object.assign(new Error(`${message} Fix: ${fix}`), { name: 'UnrecoverableError' });
}

/** The result's blobs, and the objects it points at (shards, from this worker's cache), into Redis. */
async function publish(blobs: RedisBlobs, store: CacheStore, artifact: Artifact): Promise<Pick<UnitJobResult, 'blobs' | 'refs'>> {
  const refs: Record<string, { hash: string; size: number }> = {};
  for (const [name, bytes] of Object.entries(artifact.blobs)) {
    const hash = sha256(bytes);
    await blobs.put(hash, bytes);
    refs[name] = { hash, size: bytes.byteLength };
  }
  for (const ref of artifact.refs ?? []) {
    const bytes = await store.getObject(ref.hash);
    if (!bytes)
      throw new MedpipeError('CACHE_CORRUPT', `Object ${ref.hash.slice(0, 10)} of a result is gone from the worker's cache ${store.dir}.`, {
        fix: 'The job is retried.',
      });
    await blobs.put(ref.hash, bytes);
  }
  return { blobs: refs, ...(artifact.refs?.length ? { refs: artifact.refs.map(({ hash, size }) => ({ hash, size })) } : {}) };
}

export async function processUnitJob(job: SandboxedJob<UnitJobData, UnitJobResult>, _token?: string, signal?: AbortSignal): Promise<UnitJobResult> {
  const settings = JSON.parse(process.env.MEDPIPE_WORKER_SETTINGS ?? '{}') as WorkerSettings;
  const worker = process.env.MEDPIPE_WORKER_NAME ?? `worker:${process.ppid}`;
  shared ??= { store: openCache(settings.cacheDir, settings.remote), blobs: new RedisBlobs(new Redis(settings.redis, connectionOptions(settings.redis))) };
  const { store, blobs } = shared;
  // A report that cannot be sent means the worker is gone (sandbox.mjs ends this process then); never
  // an unhandled rejection, which BullMQ's handler would answer through the same dead pipe.
  const report = (event: UnitProgress['event']) =>
    job.updateProgress({ worker, event } satisfies UnitProgress as object).catch(() => {
      if (!process.connected) process.exit(1);
    });
  store.remote?.onWarning((message) => {
    process.stderr.write(`medpipe worker: ${message}\n`);
    void report({ type: 'log', level: 'warn', message });
  });
  const data = job.data;
  const definition = unitDefinition(data.kind);
  if (!definition) {
    throw unrecoverable(`This worker does not know units of kind '${data.kind}'.`, 'Run the same medpipe version on the workers as on the coordinator.');
  }
  await report({ type: 'start' });
  const t0 = Date.now();
  const hit = await store.lookup(data.key);
  const cachedArtifact = hit && (await store.load(hit.entry));
  if (hit && cachedArtifact)
    return { meta: cachedArtifact.meta, ...(await publish(blobs, store, cachedArtifact)), worker, ms: Date.now() - t0, cached: hit.source };

  const env = data.inputs.env;
  if (definition.usesTf) {
    const { initBackend, tfjsVersion } = await import('../../../backend/select.ts');
    if (env.tfjs !== tfjsVersion()) {
      throw unrecoverable(
        `This worker has TensorFlow.js ${tfjsVersion()}, the run asked for ${env.tfjs}: its result would not match the key.`,
        'Install the same medpipe (npm ci) on the workers.',
      );
    }
    // The key names the backend the coordinator runs: the same one here, or the result would not match it.
    const choice = await initBackend(env.backend).catch((error: Error) => {
      throw unrecoverable(
        `This worker cannot run backend ${env.backend}, which the job's key names: ${error.message}`,
        'Give the workers the backend of the coordinator, or force one both have (--backend on the run).',
      );
    });
    if (choice.name !== env.backend) {
      throw unrecoverable(
        `This worker runs backend ${choice.name}, the job needs ${env.backend}.`,
        'Start one worker process per backend, or force one backend on the coordinator (--backend).',
      );
    }
  }
  const inputBlobs: Record<string, Uint8Array> = {};
  for (const [name, { hash }] of Object.entries(data.blobs)) {
    // Inputs the units of a stage share (the training pixels) are kept in the worker's cache.
    let bytes = await store.getObject(hash);
    if (!bytes) {
      bytes = await blobs.get(hash);
      if (!bytes)
        throw new MedpipeError('EXECUTOR', `Input ${name} of ${data.label} is missing from Redis (expired, or Redis lost its data).`, {
          fix: 'Run the pipeline again: the coordinator uploads its inputs anew.',
        });
      await store.putObject(bytes);
    }
    inputBlobs[name] = bytes;
  }
  // The shards a data set names: this worker's cache may have them (an earlier unit of the stage); else from Redis.
  for (const ref of data.refs ?? []) {
    if (await store.hasObject(ref)) continue;
    const bytes = await blobs.get(ref.hash);
    if (!bytes || bytes.byteLength !== ref.size)
      throw new MedpipeError(
        'EXECUTOR',
        `A shard of the data of ${data.label} (${ref.hash.slice(0, 10)}) is missing from Redis (expired, or Redis lost its data).`,
        {
          fix: 'Run the pipeline again: the coordinator uploads its inputs anew.',
        },
      );
    await store.putObject(bytes);
  }
  const input = await definition.input.decode({ meta: data.meta, blobs: inputBlobs, refs: data.refs ?? [], objectsDir: store.objectsDir });
  const run = await definition.load();
  const result = await run(input, {
    signal,
    // Epochs and warnings go back live; batches and progress ticks are too frequent for a queue.
    emit: (event: WorkEvent) => {
      if (event.type === 'epoch' || event.type === 'log') void report(event);
    },
  });
  const artifact = await definition.result.encode(result);
  const ms = Date.now() - t0;
  await store.put({ key: data.key, stage: data.stage, kind: data.kind, pipeline: data.pipeline, inputs: data.inputs, summary: data.label, ms }, artifact);
  return { meta: artifact.meta, ...(await publish(blobs, store, artifact)), worker, ms };
}
