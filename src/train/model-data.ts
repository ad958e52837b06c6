import type * as tf from '@tensorflow/tfjs';
import type { Codec } from '../base/artifact.ts';

// TensorFlow.js is imported lazily: a fully cached run must not pay for loading it.

/** A tfjs Layers model as plain data: topology and weight specs (JSON) plus the weight bytes. */
export interface ModelData {
  readonly topology: unknown;
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly weights: Uint8Array;
}

export async function modelToData(model: tf.LayersModel): Promise<ModelData> {
  const tf = await import('@tensorflow/tfjs');
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = captured!;
  const data = artifacts.weightData;
  const buffer = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
  return { topology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs ?? [], weights: new Uint8Array(buffer) };
}

export async function modelFromData(data: ModelData): Promise<tf.LayersModel> {
  const tf = await import('@tensorflow/tfjs');
  const weights = data.weights.slice().buffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: data.topology as object, weightSpecs: data.weightSpecs, weightData: weights }));
}

/**
 * Stage outputs that hold a model: the model goes into the cache in tfjs format — a `model.json`
 * blob (topology + weights manifest, as tfjs writes it) and a `weights.bin` blob — and the rest of
 * the output into the entry's JSON meta.
 */
export function encodeWithModel<T extends { readonly model: ModelData }>(value: T): { meta: unknown; blobs: Record<string, Uint8Array> } {
  const { model, ...meta } = value;
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'medpipe',
    convertedBy: null,
    modelTopology: model.topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: model.weightSpecs }],
  };
  return { meta, blobs: { 'model.json': new TextEncoder().encode(JSON.stringify(modelJson)), 'weights.bin': model.weights } };
}

export function decodeWithModel<T extends { readonly model: ModelData }>(artifact: { meta: unknown; blobs: Readonly<Record<string, Uint8Array>> }): T {
  const json = JSON.parse(new TextDecoder().decode(artifact.blobs['model.json'])) as {
    modelTopology: unknown;
    weightsManifest: { weights: ModelData['weightSpecs'] }[];
  };
  const model: ModelData = {
    topology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weights: artifact.blobs['weights.bin'] ?? new Uint8Array(0),
  };
  return { ...(artifact.meta as object), model } as unknown as T;
}

/** The codec of every output that holds a model (built, trained, tuned, evaluated). */
export function modelCodec<T extends { readonly model: ModelData }>(): Codec<T> {
  return { encode: encodeWithModel, decode: (artifact) => decodeWithModel<T>(artifact) };
}
