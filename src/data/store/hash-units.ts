/**
 * The content hashes of a listing's files without decoding them (read + sha256), for when the key
 * must be known before the work: a remote cache may have the stage, or workers take its shard jobs.
 * Files whose stat the stat cache knows are not read.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { throwIfAborted } from '../../base/errors.ts';
import type { FileIndex, FileStat } from './ingest-env.ts';
import type { Unit } from './ingest-plan.ts';

/** Reads in flight: enough to keep a disk or a network share busy, few enough for memory. */
const CONCURRENCY = 16;

/**
 * Fills in `unit.hash` of every unit that lacks one; an unreadable file keeps none (the ingest that
 * follows reports it as it would have). Returns how many files were read.
 * @example
 *   const units = statListing(listing, fileIndex);
 *   await hashUnits(units, fileIndex, signal); // fileColumns(units) is now the key's part
 */
export async function hashUnits(units: readonly Unit[], fileIndex: FileIndex, signal?: AbortSignal): Promise<number> {
  const missing = units.filter((u) => !u.hash && u.stat);
  const learned = await lastValueFrom(
    from(missing).pipe(
      mergeMap(async (unit) => {
        throwIfAborted(signal);
        const bytes = await readFile(unit.abs).catch(() => undefined);
        if (!bytes) return undefined;
        unit.hash = createHash('sha256').update(bytes).digest('hex');
        unit.hashedOnly = true;
        return { absPath: unit.abs, stat: unit.stat as FileStat, hash: unit.hash };
      }, CONCURRENCY),
      toArray(),
    ),
    { defaultValue: [] },
  );
  const rows: { absPath: string; stat: FileStat; hash: string }[] = [];
  for (const row of learned) if (row) rows.push(row);
  fileIndex.remember(rows);
  return missing.length;
}
