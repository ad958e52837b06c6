import type * as tf from '@tensorflow/tfjs';

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
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: data.topology as object, weightSpecs: data.weightSpecs, weightData: weights }),
  );
}

/** Stage outputs that hold a model plus small JSON: the weights go to a blob, the rest to meta. */
export function encodeWithModel<T extends { readonly model: ModelData }>(value: T): { meta: unknown; blobs: Record<string, Uint8Array> } {
  const { model, ...meta } = value;
  return { meta: { ...meta, topology: model.topology, weightSpecs: model.weightSpecs }, blobs: { weights: model.weights } };
}

export function decodeWithModel<T extends { readonly model: ModelData }>(artifact: { meta: unknown; blobs: Readonly<Record<string, Uint8Array>> }): T {
  const { topology, weightSpecs, ...meta } = artifact.meta as Record<string, unknown> & { topology: unknown; weightSpecs: ModelData['weightSpecs'] };
  return { ...meta, model: { topology, weightSpecs, weights: artifact.blobs.weights ?? new Uint8Array(0) } } as unknown as T;
}
