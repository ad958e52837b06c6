import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';

const EXPORT_MARKER = '.medpipe-exports.json';

type ExportMarker = Record<string, { outputHash: string; files: string[] }>;

export interface Exportable {
  readonly id: string;
  readonly outputHash: string;
  readonly output: () => Promise<unknown>;
  readonly export?: (output: any, outDir: string) => Promise<string[]>;
}

async function readExportMarker(outDir: string): Promise<ExportMarker> {
  try {
    return JSON.parse(await readFile(join(outDir, EXPORT_MARKER), 'utf8')) as ExportMarker;
  } catch {
    return {};
  }
}

/**
 * Writes the user-facing files (reports, the model) of every stage that has some; a stage whose
 * output is what the folder already holds (same output hash, files present) is not rewritten.
 * Returns every file the folder now holds for this run.
 */
export async function exportOutputs(outDir: string, stages: readonly Exportable[], onStage: (id: string) => void = () => undefined): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const marker = await readExportMarker(outDir);
  const exported: string[] = [];
  for (const stage of stages) {
    if (!stage.export) continue;
    onStage(stage.id);
    const previous = marker[stage.id];
    if (previous && previous.outputHash === stage.outputHash && previous.files.every((f) => existsSync(f))) {
      exported.push(...previous.files);
      continue;
    }
    const files = await stage.export(await stage.output(), outDir);
    marker[stage.id] = { outputHash: stage.outputHash, files };
    await writeFileAtomic(join(outDir, EXPORT_MARKER), JSON.stringify(marker, null, 2));
    exported.push(...files);
  }
  return exported;
}
