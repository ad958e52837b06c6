import { resolve } from 'node:path';
import { historyPath } from '../history/database.ts';
import { MedpipeError } from '../base/errors.ts';
import { defaultCacheDir } from '../runtime/session.ts';

/** Options shared by `runs`, `compare` and `report` to find the history database. */
export const HISTORY_OPTIONS = { history: { type: 'string' }, cache: { type: 'string' } } as const;

/** --history, else $MEDPIPE_HISTORY, else runs/history.db beside the cache (--cache, $MEDPIPE_CACHE, ./cache). */
export function historyFromArgs(values: { readonly history?: string; readonly cache?: string }): string {
  const path = historyPath(values.history, resolve(values.cache ?? defaultCacheDir()));
  if (!path)
    throw new MedpipeError('INVALID_CONFIG', 'The run history is turned off (MEDPIPE_HISTORY=off).', {
      fix: 'Unset MEDPIPE_HISTORY or pass --history path/to/history.db.',
    });
  return path;
}
