/** What the segmentation model stages pass on. */
import type { ModelData } from './model-data.ts';

export interface SegmentationBuilt {
  readonly model: ModelData;
  readonly summary: string;
  /** [patch, patch, channels]. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: readonly string[];
  readonly dataHash: string;
  /** 2.5D: adjacent slices stacked as channels (the input has channels × slices); absent for 2D. */
  readonly slices?: number;
}

export interface SegmentationTrained extends SegmentationBuilt {
  readonly history: readonly Record<string, number>[];
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
  readonly backend: string;
  readonly overlap: number;
}

/** What `medpipe predict` needs to segment new images as evaluate did (stored in the exported model's metadata). */
export interface SegmentationModelInfo {
  readonly task: 'segmentation';
  readonly classes: readonly string[];
  /** [patch, patch, channels]: the sliding window. */
  readonly inputShape: readonly [number, number, number];
  /** Ingest's decode: images resized to `size` (bilinear) and the channels kept; predictions go back to each image's own size. */
  readonly input: { readonly size?: readonly [number, number]; readonly channels: 1 | 3 | 'green' };
  /** Intensity scaling of split.segmentation ('zscore': per image, inside the ROI when one is given). */
  readonly intensity: 'rescale' | 'zscore';
  readonly overlap: number;
  /** Binary: foreground where the probability ≥ it. */
  readonly threshold: number;
  readonly thresholdSource: string;
  /** 2.5D: adjacent slices stacked as channels (volumes only). */
  readonly slices?: number;
}
