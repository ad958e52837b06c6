/**
 * The work a pool runs, by name: an ingest job (read, hash, decode, write shards), a loader batch
 * (read records, transform, augment) and a batch of segmentation training patches (cut from images
 * in shared memory). Inputs and outputs are plain data, so they cross thread boundaries; a batch's
 * pixels travel back without a copy (transferred).
 */
import { assembleBatch, imageMoments, type BatchRequest } from '../loader/assemble.ts';
import { cutPatches, type PatchBatch } from '../loader/patch-sampler.ts';
import type { PatchRequest } from '../loader/patch-source.ts';
import { runIngestJob, type IngestJob, type IngestJobResult } from '../store/ingest-job.ts';

interface TaskTypes {
  ingest: { input: { readonly job: IngestJob; readonly objectsDir: string }; output: IngestJobResult };
  batch: { input: BatchRequest; output: Float32Array };
  moments: { input: BatchRequest; output: Float64Array };
  patches: { input: PatchRequest; output: PatchBatch };
}

export type TaskName = keyof TaskTypes;
export type TaskInput<K extends TaskName> = TaskTypes[K]['input'];
export type TaskOutput<K extends TaskName> = TaskTypes[K]['output'];

type Runner<K extends TaskName> = (input: TaskInput<K>) => Promise<{ output: TaskOutput<K>; transfer: ArrayBuffer[] }>;

export const TASKS: { readonly [K in TaskName]: Runner<K> } = {
  ingest: async ({ job, objectsDir }) => ({ output: await runIngestJob(job, objectsDir), transfer: [] }),
  batch: async (request) => {
    const pixels = assembleBatch(request);
    return { output: pixels, transfer: [pixels.buffer as ArrayBuffer] };
  },
  moments: async (request) => {
    const moments = imageMoments(request);
    return { output: moments, transfer: [moments.buffer as ArrayBuffer] };
  },
  patches: async ({ images, plan }) => {
    const batch = cutPatches(images, plan);
    return { output: batch, transfer: [batch.x.buffer as ArrayBuffer, batch.mask.buffer as ArrayBuffer, batch.roi.buffer as ArrayBuffer] };
  },
};
