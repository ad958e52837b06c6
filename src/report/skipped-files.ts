import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import type { SkippedFile } from '../data/types.ts';

/** Writes skipped-files.json when files were skipped, and removes a stale one when none were. */
export async function writeSkippedFiles(skipped: readonly SkippedFile[], outDir: string): Promise<string[]> {
  const path = join(outDir, 'skipped-files.json');
  if (skipped.length === 0) {
    // A list from an earlier run would name files that are no longer skipped.
    await rm(path, { force: true });
    return [];
  }
  await writeFileAtomic(path, JSON.stringify(skipped, null, 2) + '\n');
  return [path];
}
