import type { Listing } from './file-listing.ts';
import { inferTask, resolveTask, type InferredTask, type ClassificationTask } from './task.ts';

/**
 * The task of a listed data set: the one the pipeline states (checked against the classes found),
 * else the one the listing implies. Known before any file is decoded, so it can join the cache key.
 * @example
 *   listingTask(await listFolder(config, baseDir), config.task).task; // 'multiclass'
 */
export function listingTask(listing: Listing, stated: ClassificationTask | undefined): InferredTask {
  const inferred = inferTask(listing.classes, { multiLabel: listing.multiLabel });
  return resolveTask(stated, inferred, listing.classes, 'ingest');
}

/**
 * The part of an ingest's cache key that says how labels are read: nothing for binary data (keys as
 * before task kinds), the task otherwise, so an entry cached before K classes were understood is
 * never served as a K-class set.
 */
export function taskKeyEnv(task: ClassificationTask): Readonly<Record<string, string>> {
  return task === 'binary' ? {} : { labels: task };
}
