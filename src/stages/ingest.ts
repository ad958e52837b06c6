import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ingestKeyEnv } from '../data/store/group-salt.ts';
import {
  csvIngestConfigSchema,
  folderIngestConfigSchema,
  npzIngestConfigSchema,
  type CsvIngestConfig,
  type FolderIngestConfig,
  type NpzIngestConfig,
} from '../data/ingest-config.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';
import { ingestSegmentationStage, type SegmentationIngestConfig } from './ingest-segmentation.ts';
import type { ClassificationTask } from '../data/task.ts';
import { withTask, type TaskKind } from './core/stage-node.ts';

export type { CsvIngestConfig, FolderIngestConfig, NpzIngestConfig, OnBadFile } from '../data/ingest-config.ts';

const under = (path: string, baseDir: string) => (isAbsolute(path) ? path : resolve(baseDir, path));

export const ingestFolderStage = defineStage({
  kind: 'ingest.folder',
  // 2: samples carry subgroup attributes (CSV columns, source folder, DICOM sex / age band / …).
  // 3: the data set is a manifest over shards of records in their stored type (docs/data-store.md).
  // 4: store format 2 (compact shard footers, record tables and sample lists; docs/data-store.md).
  version: 4,
  in: ports.start,
  out: ports.images,
  config: folderIngestConfigSchema,
  check: (config, { baseDir }) => {
    const root = under(config.root, baseDir);
    return existsSync(root) && statSync(root).isDirectory() ? [] : [`data folder ${root} does not exist (root: '${config.root}', resolved from ${baseDir})`];
  },
  keyEnv: ingestKeyEnv,
  inputs: (config) => [config.root],
  load: async () => (await import('./ingest.run.ts')).folder,
});

export const ingestCsvStage = defineStage({
  kind: 'ingest.csv',
  // 2: samples carry subgroup attributes (CSV columns, source folder, DICOM sex / age band / …).
  // 3: the data set is a manifest over shards of records in their stored type (docs/data-store.md).
  // 4: store format 2 (compact shard footers, record tables and sample lists; docs/data-store.md).
  version: 4,
  in: ports.start,
  out: ports.images,
  config: csvIngestConfigSchema,
  check: (config, { baseDir }) => (existsSync(under(config.csv, baseDir)) ? [] : [`CSV file ${under(config.csv, baseDir)} does not exist`]),
  keyEnv: ingestKeyEnv,
  inputs: (config) => [config.csv],
  load: async () => (await import('./ingest.run.ts')).csv,
});

export const ingestNpzStage = defineStage({
  kind: 'ingest.npz',
  version: 3,
  in: ports.start,
  out: ports.images,
  config: npzIngestConfigSchema,
  // 2: the data set is a manifest over shards of records in their stored type (docs/data-store.md).
  // 3: store format 2 (compact shard footers, record tables and sample lists).
  check: (config, { baseDir }) => (existsSync(under(config.file, baseDir)) ? [] : [`array file ${under(config.file, baseDir)} does not exist`]),
  inputs: (config) => [config.file],
  load: async () => (await import('./ingest.run.ts')).npz,
});

/**
 * Reads a labelled image folder, a CSV of files, or MedMNIST-style arrays. A stated `task` is
 * carried by the pipeline's type: later options of another task (a positiveClass on a multi-class
 * pipeline) do not compile.
 * @example
 *   ingest.folder({ root: '../shared/data/pneumoniamnist/images', size: [64, 64], channels: 3 })
 *   ingest.folder({ root: '../shared/data/brain-tumor-mri', task: 'multiclass' })
 */
export const ingest = {
  folder: <const T extends ClassificationTask = never>(config: FolderIngestConfig & { readonly task?: T }) =>
    withTask<TaskKind, T, ''>()(nodeOf(ingestFolderStage, config)),
  csv: <const T extends ClassificationTask = never>(config: CsvIngestConfig & { readonly task?: T }) =>
    withTask<TaskKind, T, ''>()(nodeOf(ingestCsvStage, config)),
  npz: <const T extends ClassificationTask = never>(config: NpzIngestConfig & { readonly task?: T }) =>
    withTask<TaskKind, T, ''>()(nodeOf(ingestNpzStage, config)),
  /**
   * Images with their masks (and ROI masks) from sibling folders paired by name, or a CSV of pairs, into the record store.
   * @example
   *   ingest.segmentation({ sources: [{ images: 'training/images', masks: 'training/1st_manual', roi: 'training/mask',
   *     match: { image: '{id}_training.tif', mask: '{id}_manual1.gif', roi: '{id}_training_mask.gif' }, split: 'train' }] })
   */
  segmentation: (config: SegmentationIngestConfig) => withTask<TaskKind, 'segmentation', ''>()(nodeOf(ingestSegmentationStage, config)),
};
