import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';

export interface RunReport {
  readonly runId: string;
  readonly pipeline: string;
  readonly seed: number;
  readonly backend: string;
  readonly stages: readonly { stage: string; kind: string; key: string; cached: boolean; ms: number; summary?: string }[];
  readonly files: readonly string[];
  readonly ms: number;
}

/**
 * `run.json` in the output folder: what ran, what came from cache, which files were written. Not
 * fsynced: every run rewrites it (a rerun, all cached, rebuilds one a power cut lost).
 */
export async function writeRunReport(outDir: string, report: RunReport): Promise<void> {
  await writeFileAtomic(join(outDir, 'run.json'), JSON.stringify(report, null, 2) + '\n', { fsync: false });
}
