/**
 * Transfer into a U-Net's encoder from a local saved model (a medpipe model folder such as
 * out/<pipeline>/model, or any tfjs Layers model.json): the encoder is every layer before the first
 * upsampling (the contracting levels and the bottleneck). Its convolutions take the source's
 * convolutions in order, and its BatchNorms the source's BatchNorms in order (a source U-Net gives
 * its own encoder; a classifier CNN its conv stack); weights must have the same shapes, or the error
 * names both layers and both shapes. Where the source has fewer layers of a kind, the rest keep their
 * initialisation. `freeze` makes the transferred layers untrainable (and their BatchNorms keep their
 * statistics in training: frozen-norms.ts).
 *
 * @example
 *   const loaded = await loadEncoder(model, { from: 'out/pretext/model', freeze: true }, baseDir);
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { MedpipeError } from '../base/errors.ts';
import { encoderModelJson } from './build-unet.ts';
import { loadModel } from './model-io.ts';

export interface EncoderTransfer {
  readonly from: string;
  readonly freeze?: boolean;
}

const WEIGHTED = new Set(['Conv2D', 'BatchNormalization']);
const UPSAMPLING = new Set(['Conv2DTranspose', 'UpSampling2D']);

function leaves(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? leaves(layer) : [layer]));
}

/** Conv2D and BatchNormalization layers before the first upsampling, in order. */
export function encoderLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of leaves(model)) {
    if (UPSAMPLING.has(layer.getClassName())) break;
    if (WEIGHTED.has(layer.getClassName())) out.push(layer);
  }
  return out;
}

const shapeText = (w: tf.LayerVariable | tf.Tensor) => `[${w.shape.join(', ')}]`;

/** Copies the source's weights into `model`'s encoder; returns one line per transferred layer ("conv2d_3 ← block1_conv2"). */
export async function loadEncoder(model: tf.LayersModel, transfer: EncoderTransfer, baseDir: string): Promise<string[]> {
  const file = encoderModelJson(transfer.from, baseDir);
  if (!existsSync(file)) {
    throw new MedpipeError('DATA_NOT_FOUND', `build.unet encoder.from: ${file} does not exist.`, {
      file,
      fix: "Give a model folder with model.json and its weights (e.g. another pipeline's out/<name>/model) or the model.json itself.",
    });
  }
  const source = await loadModel(file);
  try {
    const theirs = encoderLayers(source);
    const lines: string[] = [];
    for (const kind of WEIGHTED) {
      const ours = encoderLayers(model).filter((l) => l.getClassName() === kind);
      const from = theirs.filter((l) => l.getClassName() === kind);
      for (let i = 0; i < Math.min(ours.length, from.length); i++) {
        const [target, origin] = [ours[i]!, from[i]!];
        const want = target.weights;
        const have = origin.getWeights();
        // A conv of a U-Net with BatchNorm has no bias; a classifier's has one: the kernel is what transfers.
        const pairs = want.map((w, j) => [w, have[j]] as const).filter(([, h]) => h !== undefined);
        const wrong = pairs.find(([w, h]) => w.shape.join(',') !== h!.shape.join(','));
        if (wrong || pairs.length === 0) {
          const [w, h] = wrong ?? [want[0]!, have[0]];
          throw new MedpipeError(
            'SHAPE_MISMATCH',
            `build.unet encoder: layer ${target.name} (${kind} ${i + 1} of the encoder) has weights ${shapeText(w)}, but ${origin.name} in ${file} has ${h ? shapeText(h) : 'none'}.`,
            {
              file,
              fix: 'Use a source trained on the same input channels with the same filters per level (baseFilters, depth, batchNorm), or leave encoder out.',
            },
          );
        }
        target.setWeights([...pairs.map(([, h]) => h!), ...want.slice(pairs.length).map((w) => w.read())]);
        if (transfer.freeze) target.trainable = false;
        lines.push(`${target.name} ← ${origin.name}${pairs.length < want.length ? ` (${pairs.length} of ${want.length} weights)` : ''}`);
      }
    }
    if (lines.length === 0) {
      throw new MedpipeError('INVALID_CONFIG', `build.unet encoder: ${file} has no Conv2D or BatchNormalization layers before an upsampling to transfer.`, {
        file,
        fix: 'Give a convolutional model (a medpipe U-Net or CNN).',
      });
    }
    return lines;
  } finally {
    source.dispose();
  }
}
