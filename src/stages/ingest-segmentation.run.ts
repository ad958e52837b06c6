import { isAbsolute, resolve } from 'node:path';
import type { SegmentationIngestConfig } from '../data/segmentation-config.ts';
import { pairSegmentationFiles, type SegmentationPair } from '../data/segmentation-listing.ts';
import { ingestSegmentation, type SegmentationSet } from '../data/segmentation-set.ts';
import type { StageRun } from './core/define-stage.ts';

export default {
  async fingerprint(config, ctx) {
    const pairs = pairSegmentationFiles(config.sources, ctx.baseDir);
    const files: Record<string, string> = {};
    for (const s of config.sources) if ('csv' in s) files[`(csv) ${s.csv}`] = await ctx.hash(isAbsolute(s.csv) ? s.csv : resolve(ctx.baseDir, s.csv));
    for (const p of pairs)
      for (const [role, file] of [
        ['image', p.image],
        ['mask', p.mask],
        ['roi', p.roi],
        ['observer', p.observer],
      ] as const)
        if (file) files[`${p.id} (${role})`] = await ctx.hash(file);
    return { files, data: pairs };
  },
  run: (_input, config, ctx, fingerprint) =>
    ingestSegmentation(fingerprint!.data as SegmentationPair[], config, {
      objectsDir: ctx.objectsDir,
      hash: ctx.hash,
      signal: ctx.signal,
      progress: (done, total) => ctx.emit({ type: 'stage-progress', done, total, unit: 'images' }),
    }),
  summary: (set) => `${set.samples.length} images ${set.shape.join('x')} with masks (${set.classes.join('/')})${set.rois ? ' and ROIs' : ''}`,
} satisfies StageRun<SegmentationIngestConfig, undefined, SegmentationSet>;
