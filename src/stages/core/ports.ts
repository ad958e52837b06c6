/**
 * The ports of medpipe's stage graph: each names what flows between two stages, its data type and
 * its codec. Every stage definition uses these; adding a port is adding a line here.
 */
import { imageSetCodec, splitSetCodec, type ImageSet, type SplitSet } from '../../data/image-set.ts';
import { evaluationCodec } from '../../report/evaluation-codec.ts';
import { modelCodec } from '../../train/model-data.ts';
import type { Built, Trained } from '../../train/trained.ts';
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
} as const;
