import { stageNode, type Images, type Splits, type StageNode } from '../pipeline.ts';

export interface SplitConfig {
  /** Fractions for data that has no split of its own. @default { train: 0.64, val: 0.16, test: 0.2 } (a 20% test set, then the tutorial's 80/20 train/validation) */
  readonly fractions?: { readonly train: number; readonly val: number; readonly test: number };
  /** Keep the train/val/test split the data comes with (folders or arrays). @default true */
  readonly keepExisting?: boolean;
  /** When the data brings train and test but no validation set, this fraction of train becomes validation. @default 0.2 */
  readonly valFraction?: number;
  /** Keep class proportions equal across splits. @default true */
  readonly stratify?: boolean;
  /** Keep each group (patient) in one split. Groups come from ingest (groupPattern, a CSV group column, DICOM PatientID as a salted hash). @default true */
  readonly byGroup?: boolean;
}

/**
 * Splits into train / validation / test (seeded, stratified, group-aware), fits any dataset-level
 * normalization on the training split only, and audits for leaks across splits.
 * @example
 *   split({ fractions: { train: 0.7, val: 0.15, test: 0.15 } })
 */
export function split(config: SplitConfig = {}): StageNode<Images, Splits, 'split', SplitConfig> {
  return stageNode('split', config, { in: 'images', out: 'splits' });
}
