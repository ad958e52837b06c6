import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CacheStore } from '../runtime/cache-store.ts';
import { MedpipeError } from '../base/errors.ts';
import { defaultCacheDir } from '../runtime/run.ts';

/** `medpipe clean [--keep-last N]`: empties the cache, or keeps the newest N entries per pipeline stage. */
export async function cleanCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { cache: { type: 'string' }, 'keep-last': { type: 'string' } } });
  const dir = resolve(values.cache ?? defaultCacheDir());
  if (values['keep-last'] === undefined) {
    for (const sub of ['entries', 'objects', 'decoded', 'index', 'files.json']) await rm(join(dir, sub), { recursive: true, force: true });
    process.stdout.write(`emptied ${dir}\n`);
    return 0;
  }
  const keep = Number(values['keep-last']);
  if (!Number.isInteger(keep) || keep < 0) {
    throw new MedpipeError('INVALID_CONFIG', `--keep-last must be a whole number, got '${values['keep-last']}'.`, { fix: '--keep-last 2' });
  }
  const store = new CacheStore(dir);
  const entries = await store.listEntries();
  const perStage = new Map<string, number>();
  const kept = new Set<string>();
  const droppedKeys = new Set<string>();
  let dropped = 0;
  let droppedWith = 0;
  // Units of work (tune trials, folds) and cached exports go with the stage entry they were computed
  // for; units whose stage never finished stay, so an interrupted grid still resumes.
  for (const entry of entries) {
    if (entry.parent !== undefined) continue;
    const id = `${entry.pipeline}/${entry.stage}`;
    const n = perStage.get(id) ?? 0;
    if (n < keep) {
      perStage.set(id, n + 1);
      for (const blob of entry.blobs) kept.add(blob);
    } else {
      await store.drop(entry.key);
      droppedKeys.add(entry.key);
      dropped++;
    }
  }
  for (const entry of entries) {
    if (entry.parent === undefined) continue;
    if (droppedKeys.has(entry.parent)) {
      await store.drop(entry.key);
      droppedWith++;
    } else {
      for (const blob of entry.blobs) kept.add(blob);
    }
  }
  const removed = await store.collectGarbage(kept);
  process.stdout.write(
    `kept the last ${keep} entr${keep === 1 ? 'y' : 'ies'} per stage; dropped ${dropped} entries and ${removed} unreferenced objects${droppedWith > 0 ? ` (with them ${droppedWith} trial, fold and export entries computed for them)` : ''}\n`,
  );
  return 0;
}
