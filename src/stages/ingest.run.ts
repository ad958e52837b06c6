import { isAbsolute, resolve } from 'node:path';
import { decodeListing, hashListing } from '../data/decode-files.ts';
import { listCsv, listFolder, type Listing } from '../data/file-listing.ts';
import type { ImageSet } from '../data/image-set.ts';
import type { CsvIngestConfig, FolderIngestConfig, NpzIngestConfig } from '../data/ingest-config.ts';
import { readNpzSet } from '../data/npz-set.ts';
import { writeSkippedFiles } from '../report/skipped-files.ts';
import type { StageContext } from './core/context.ts';
import type { StageRun } from './core/define-stage.ts';

const summary = (set: ImageSet) =>
  `${set.samples.length} images ${set.shape.join('x')}, classes ${set.classes.join('/')}${set.skipped.length ? `, ${set.skipped.length} skipped` : ''}`;
const exportSkipped = (set: ImageSet, outDir: string) => writeSkippedFiles(set.skipped, outDir);
const fromListing = async (listing: Listing, ctx: StageContext) => ({ files: await hashListing(listing, ctx.hash), data: listing });
const env = (ctx: StageContext) => ({ records: ctx.records, signal: ctx.signal, emit: ctx.emit });

export const folder = {
  fingerprint: async (config, ctx) => fromListing(await listFolder(config, ctx.baseDir), ctx),
  run: (_input, config, ctx, fingerprint) => decodeListing(fingerprint!.data as Listing, fingerprint!.files, config, env(ctx)),
  summary,
  export: exportSkipped,
} satisfies StageRun<FolderIngestConfig, undefined, ImageSet>;

export const csv = {
  async fingerprint(config, ctx) {
    const { files, data } = await fromListing(await listCsv(config, ctx.baseDir), ctx);
    const csvHash = await ctx.hash(isAbsolute(config.csv) ? config.csv : resolve(ctx.baseDir, config.csv));
    return { files: { ...files, [`(csv) ${config.csv}`]: csvHash }, data };
  },
  run: (_input, config, ctx, fingerprint) => decodeListing(fingerprint!.data as Listing, fingerprint!.files, config, env(ctx)),
  summary,
  export: exportSkipped,
} satisfies StageRun<CsvIngestConfig, undefined, ImageSet>;

const npzPath = (config: NpzIngestConfig, baseDir: string) => (isAbsolute(config.file) ? config.file : resolve(baseDir, config.file));

export const npz = {
  fingerprint: async (config, ctx) => ({ files: { [config.file]: await ctx.hash(npzPath(config, ctx.baseDir)) }, data: npzPath(config, ctx.baseDir) }),
  run: (_input, config, ctx, fingerprint) => readNpzSet(fingerprint!.data as string, config, ctx),
  summary: (set) => `${set.samples.length} images ${set.shape.join('x')} from arrays, classes ${set.classes.join('/')}`,
} satisfies StageRun<NpzIngestConfig, undefined, ImageSet>;
