/**
 * An ensemble of independently trained members as one model: the input goes through every member
 * and the outputs (class probabilities, finding or binary scores) are averaged by an Average
 * layer. Being one LayersModel, it is saved, cached, scored with test-time mirroring, exported and
 * read back by `predict` like any other model.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { deriveSeed } from '../base/rng.ts';
import type { ModelData } from './model-data.ts';

/** Member m's seed: member 0 trains with the run's own seed (an ensemble of one is the plain fit). */
export function memberSeed(seed: number, member: number): number {
  return member === 0 ? seed : deriveSeed(seed, 'ensemble', member);
}

/**
 * The same model with every layer (and so every weight) renamed `<prefix><name>`: members made from
 * one built model would otherwise share their weight names, which one saved model cannot hold.
 * Every string in the topology that is exactly a layer name is a reference to it (a layer's name,
 * a node's inbound layer, the model's inputs and outputs) and is renamed with it.
 * @example
 *   await trainFresh(prefixLayerNames(built.model, 'm2_'), …);
 */
export function prefixLayerNames(data: ModelData, prefix: string): ModelData {
  const names = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      const v = value as { class_name?: unknown; config?: { name?: unknown } };
      if (typeof v.class_name === 'string' && typeof v.config?.name === 'string') names.add(v.config.name);
      Object.values(value).forEach(collect);
    }
  };
  const topology = data.topology as { model_config?: { config?: { layers?: unknown } } };
  collect(topology.model_config?.config?.layers ?? topology);
  const rename = (value: unknown): unknown => {
    if (typeof value === 'string') return names.has(value) ? prefix + value : value;
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rename(v)]));
    return value;
  };
  return {
    topology: rename(data.topology),
    weightSpecs: data.weightSpecs.map((spec) => ({
      ...spec,
      name: spec.name
        .split('/')
        .map((part) => (names.has(part) ? prefix + part : part))
        .join('/'),
    })),
    weights: data.weights,
  };
}

/**
 * One model whose output is the mean of the members' outputs; each member keeps its own weights
 * under its own name (member_1 … member_N).
 * @example
 *   const ensemble = await averageModels([a, b, c]);
 */
export async function averageModels(members: readonly LayersModel[]): Promise<LayersModel> {
  const tf = await import('@tensorflow/tfjs');
  const shape = members[0]!.inputs[0]!.shape.slice(1) as number[];
  const input = tf.input({ shape, name: 'ensemble_input' });
  const outputs = members.map((member, m) => {
    // Rename the member (a nested model is one layer of the ensemble; names must be unique).
    (member as unknown as { name: string }).name = `member_${m + 1}`;
    return member.apply(input) as SymbolicTensor;
  });
  const mean = tf.layers.average({ name: 'ensemble_mean' }).apply(outputs) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: mean, name: `ensemble_of_${members.length}` });
}

/** The members of an ensemble made by averageModels (empty for any other model). */
export function ensembleMembers(model: LayersModel): LayersModel[] {
  if (!model.layers.some((l) => l.name === 'ensemble_mean')) return [];
  return model.layers.filter((l): l is LayersModel => l.name.startsWith('member_') && 'layers' in l);
}
