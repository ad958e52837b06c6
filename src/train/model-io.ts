/**
 * Saving and loading tfjs Layers models on the local disk without `@tensorflow/tfjs-node`:
 * a small `tf.io.IOHandler` over `node:fs` that reads and writes the standard tfjs format
 * (`model.json` + binary weight shards), so saved models open in tfjs-node and the Python converter.
 *
 * @example
 * await saveModel(model, 'out/model');
 * const again = await loadModel('out/model');
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MedpipeError } from '../base/errors.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Accepts a folder, a `model.json` path, or a `file://` URL of either; returns the model.json path. */
export function modelJsonPath(location: string): string {
  const local = location.startsWith('file://') ? fileURLToPath(location) : location;
  return local.endsWith('.json') ? path.resolve(local) : path.resolve(local, MODEL_JSON);
}

function toArrayBuffer(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
}

/** A save handler that writes into `dir` (which must exist). */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology == null || artifacts.modelTopology instanceof ArrayBuffer) {
        throw new MedpipeError('INTERNAL', 'Binary model topologies (frozen graphs) cannot be saved by medpipe.', { fix: 'Save a Layers model.' });
      }
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : toArrayBuffer(artifacts.weightData);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.signature != null) json.signature = artifacts.signature;
      await writeFile(path.join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: weights }) };
    },
  };
}

/** A load handler reading `model.json` and every weight shard its manifest names. */
export function fileLoadHandler(location: string): tf.io.IOHandler {
  const jsonPath = modelJsonPath(location);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = await readFile(jsonPath, 'utf8');
      } catch (cause) {
        throw new MedpipeError('MODEL_LOAD', `No tfjs model at ${jsonPath}.`, {
          file: jsonPath,
          cause,
          fix: 'Point to a folder containing model.json and its weight files (as written by model.save or tensorflowjs_converter).',
        });
      }
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (cause) {
        throw new MedpipeError('MODEL_LOAD', `${jsonPath} is not valid JSON.`, {
          file: jsonPath,
          cause,
          fix: 'Re-export the model; the file is damaged or is not a tfjs model.json.',
        });
      }
      if (json === null || typeof json !== 'object' || json.modelTopology == null) {
        throw new MedpipeError('MODEL_LOAD', `${jsonPath} has no modelTopology; it is not a tfjs Layers model.`, {
          file: jsonPath,
          fix: 'Export the model in the tfjs Layers format (tensorflowjs_converter --output_format tfjs_layers_model).',
        });
      }
      const base = path.dirname(jsonPath);
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const shard of group.paths) {
            const file = path.resolve(base, shard);
            try {
              const bytes = await readFile(file);
              buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
            } catch (cause) {
              throw new MedpipeError('MODEL_LOAD', `The weight file ${file} named in ${jsonPath} is missing or unreadable.`, {
                file,
                cause,
                fix: 'Copy the model folder together with all its .bin weight files.',
              });
            }
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Saves in tfjs format (`model.json` + `weights.bin`) atomically: written to a sibling temp folder,
 * then renamed over `dir`, so a crash never leaves a half-written model where a good one was.
 * `metadata` (e.g. the decode and normalisation the model was trained with) goes into model.json's
 * `userDefinedMetadata`.
 */
export async function saveModel(model: tf.LayersModel, dir: string, options: { metadata?: Record<string, unknown> } = {}): Promise<void> {
  const target = path.resolve(dir);
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = `${target}.tmp-${suffix}`;
  const old = `${target}.old-${suffix}`;
  await mkdir(path.dirname(target), { recursive: true });
  await mkdir(tmp);
  try {
    if (options.metadata !== undefined) model.setUserDefinedMetadata(options.metadata as object);
    await model.save(fileSaveHandler(tmp));
    const hadOld = await exists(target);
    if (hadOld) await rename(target, old);
    await rename(tmp, target);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error instanceof MedpipeError
      ? error
      : new MedpipeError('INTERNAL', `Could not save the model to ${target}: ${(error as Error).message}`, {
          file: target,
          cause: error,
          fix: 'Check that the folder is writable and the disk has space.',
        });
  }
}

/** Loads a tfjs Layers model from a folder (or model.json path, or file:// URL). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = modelJsonPath(dir);
  try {
    return await tf.loadLayersModel(fileLoadHandler(dir));
  } catch (error) {
    if (error instanceof MedpipeError) throw error;
    throw new MedpipeError('MODEL_LOAD', `Could not load the tfjs model at ${jsonPath}: ${(error as Error).message}`, {
      file: jsonPath,
      cause: error,
      fix: 'Use a model saved by medpipe or tf.LayersModel.save / tensorflowjs_converter (tfjs_layers_model), with its weight files next to model.json.',
    });
  }
}

/** The `userDefinedMetadata` stored in a saved model's model.json (undefined when absent). */
export async function readModelMetadata(dir: string): Promise<Record<string, unknown> | undefined> {
  const jsonPath = modelJsonPath(dir);
  try {
    const json = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
    return json.userDefinedMetadata as Record<string, unknown> | undefined;
  } catch (cause) {
    throw new MedpipeError('MODEL_LOAD', `Could not read ${jsonPath}.`, { file: jsonPath, cause, fix: 'Point to a folder containing model.json.' });
  }
}
