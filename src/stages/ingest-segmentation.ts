import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { segmentationIngestSchema } from '../data/segmentation-config.ts';
import { defineStage } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export type { SegmentationIngestConfig, SegmentationSource } from '../data/segmentation-config.ts';

const under = (path: string, baseDir: string) => (isAbsolute(path) ? path : resolve(baseDir, path));

export const ingestSegmentationStage = defineStage({
  kind: 'ingest.segmentation',
  // 2: a resized sample keeps its masks at the files' own size (evaluate scores there).
  // 3: store format 2 (compact shard footers and record tables; docs/data-store.md).
  version: 3,
  in: ports.start,
  out: ports.segImages,
  config: segmentationIngestSchema,
  check: (config, { baseDir }) =>
    config.sources.flatMap((source, i) =>
      'csv' in source
        ? existsSync(under(source.csv, baseDir))
          ? []
          : [`ingest.segmentation sources[${i}].csv: ${under(source.csv, baseDir)} does not exist`]
        : (['images', 'masks', 'roi'] as const)
            .filter((key) => source[key] !== undefined && !existsSync(under(source[key]!, baseDir)))
            .map((key) => `ingest.segmentation sources[${i}].${key}: folder ${under(source[key]!, baseDir)} does not exist`),
    ),
  inputs: (config) => config.sources.flatMap((s) => ('csv' in s ? [s.csv] : [s.images, s.masks, ...(s.roi ? [s.roi] : [])])),
  load: async () => (await import('./ingest-segmentation.run.ts')).default,
});
