/**
 * The ports of medpipe's stage graph: each names what flows between two stages, its data type and
 * its codec. Every stage definition uses these; adding a port is adding a line here.
 */
import { imageSetCodec, splitSetCodec, type ImageSet, type SplitSet } from '../../data/image-set.ts';
import { evaluationCodec } from '../../report/evaluation-codec.ts';
import { modelCodec } from '../../train/model-data.ts';
import type { Built, Trained } from '../../train/trained.ts';
import type { SegmentationSet } from '../../data/segmentation-set.ts';
import { segmentationSetCodec } from '../../data/segmentation-set.ts';
import { segmentationEvaluationCodec } from '../../report/segmentation-files.ts';
import type { SegmentationBuilt, SegmentationTrained } from '../../train/segmentation-model.ts';
import { definePort } from './port.ts';

export const ports = {
  /** Nothing: the input of the first stage. */
  start: definePort<'an empty pipeline', undefined>('an empty pipeline', { encode: () => ({ meta: null, blobs: {} }), decode: () => undefined }),
  /** Labelled images of one shape (ingest, normalize, augment). */
  images: definePort<'images', ImageSet>('images', imageSetCodec),
  /** The images split into train / validation / test, with the preprocessing fitted on train. */
  splits: definePort<'splits', SplitSet>('splits', splitSetCodec),
  /** An untrained model for the splits' shape. */
  builtModel: definePort<'built model', Built>('built model', modelCodec<Built>()),
  /** A trained model, its history and what predict needs. */
  trainedModel: definePort<'trained model', Trained>('trained model', modelCodec<Trained>()),
  /** Metrics, predictions, curves and reports. */
  evaluation: definePort('evaluation', evaluationCodec),
  /** Images with their masks (and ROIs) in the record store (ingest.segmentation). */
  segImages: definePort<'segmentation images', SegmentationSet>('segmentation images', segmentationSetCodec),
  /** The same, split by whole images (split.segmentation). */
  segSplits: definePort<'segmentation splits', SegmentationSet>('segmentation splits', segmentationSetCodec),
  /** An untrained U-Net (build.unet). */
  segModel: definePort<'segmentation model', SegmentationBuilt>('segmentation model', modelCodec<SegmentationBuilt>()),
  /** A trained segmentation model (fit.segmentation). */
  segTrained: definePort<'trained segmentation model', SegmentationTrained>('trained segmentation model', modelCodec<SegmentationTrained>()),
  /** Segmentation metrics, predicted masks and overlays (evaluate.segmentation). */
  segEvaluation: definePort('segmentation evaluation', segmentationEvaluationCodec),
} as const;
