/** What the segmentation model stages pass on. */
import type { ModelData } from './model-data.ts';

export interface SegmentationBuilt {
  readonly model: ModelData;
  readonly summary: string;
  /** [patch, patch, channels]. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: readonly string[];
  readonly dataHash: string;
}

export interface SegmentationTrained extends SegmentationBuilt {
  readonly history: readonly Record<string, number>[];
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
  readonly backend: string;
  readonly overlap: number;
}
