/**
 * Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via
 * Gradient-based Localization") for medpipe's binary classifiers: where in the image did the
 * evidence for the positive class come from?
 *
 * For each image: A = the chosen convolution layer's activations [h', w', K]; g = ∂z/∂A where z is
 * the positive-class LOGIT (the output unit before its sigmoid); channel weights α_k = mean of g over
 * h'×w'; map = ReLU(Σ_k α_k·A_k), resized bilinearly to the input size and divided by its maximum.
 * `method: 'hirescam'` (Draelos & Carin 2020) skips the averaging: map = ReLU(Σ_k g_k ⊙ A_k). Behind
 * Flatten → Dense (the tutorial CNN: conv → max-pool → BatchNorm → flatten → dense) the averaged
 * weights are the same for every image — max-pool routes each window's gradient to one cell and the
 * rest is linear — so Grad-CAM's map is a fixed mix of channels; HiResCAM's sums to the layer's exact
 * share of the logit. Behind global average pooling both are the same map.
 *
 * Why the logit and not the sigmoid score: ∂σ(z)/∂A = σ'(z)·∂z/∂A, and σ'(z) underflows to 0 for a
 * confident prediction (σ(z) rounds to 1 in float32 once z > ~17), which would blank exactly the
 * heatmaps a reader cares most about. σ' is a positive per-image factor, so where it does not underflow
 * the normalised maps are the same. The logit is read from a final Dense(sigmoid) or
 * Activation('sigmoid') layer; any other head falls back to the output itself (`target: 'probability'`).
 *
 * K-unit heads (a K-way softmax, or K sigmoids for multi-label findings): `targets` names the unit
 * explained for each image (its predicted class, or a class of interest), and z is that unit's logit —
 * the softmax input, so the map shows evidence for that class over the others' common share.
 *
 * The model runs in inference mode (dropout off, BatchNorm on its moving statistics), as in predict.
 *
 * @example
 *   const { heatmaps, scores } = await gradCam(model, pixels, [64, 64, 1], 8);
 *   // heatmaps[i·64·64 + y·64 + x] ∈ [0, 1]: image i's evidence for the positive class at (y, x)
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';
import { upsampleBilinear } from './upsample.ts';

export interface GradCamOptions {
  /**
   * Name of the layer whose activations are explained: any layer with a [batch, h, w, channels]
   * output. @default the last Conv2D (or SeparableConv2D / DepthwiseConv2D) layer
   */
  readonly layer?: string;
  /** Images per forward/backward pass. @default 16 */
  readonly batchSize?: number;
  /**
   * 'gradcam': channel weights = gradients averaged over the map (the paper). 'hirescam': each
   * activation times its own gradient, summed over channels (Draelos & Carin 2020) — no averaging, so
   * for a Flatten → Dense head (the tutorial CNN) the map sums to the layer's exact contribution to
   * the logit, where Grad-CAM's averaged weights are the same for every image. @default 'gradcam'
   */
  readonly method?: 'gradcam' | 'hirescam';
  /** K-unit heads: the unit (class or finding index) explained for each image. @default 0 for every image (one-unit heads: the positive class) */
  readonly targets?: ArrayLike<number>;
  /** One-unit heads: explain the first class instead (the negated logit; scores become 1 − score). @default false */
  readonly negate?: boolean;
}

export interface GradCamResult {
  /** count · h · w values in [0, 1], image i at [i·h·w, (i+1)·h·w); all 0 where nothing speaks for the positive class. */
  readonly heatmaps: Float32Array;
  /** The model's score (sigmoid output, or the explained unit's probability) of each image. */
  readonly scores: Float32Array;
  /**
   * Each map's maximum before normalisation (first-order logit contribution, same units for every
   * image of one model): heatmaps[i]·peaks[i] / max(peaks) puts images on one scale, so a weak map
   * is not stretched to look as hot as a strong one.
   */
  readonly peaks: Float32Array;
  /** Name of the layer explained. */
  readonly layer: string;
  /** What was differentiated: the pre-sigmoid logit, or the output itself for heads without one. */
  readonly target: 'logit' | 'probability';
}

const CONV_CLASSES = new Set(['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D']);

type Layer = tf.layers.Layer;
/** Runs the model on x; with `at`, the explained layer's output is replaced by `at` (the gradient's input). */
type Forward = (x: tf.Tensor, at?: tf.Tensor, mask?: tf.Tensor) => { features: tf.Tensor; target: tf.Tensor; score: tf.Tensor };

/**
 * Grad-CAM heatmaps of the first `count` images of `images` (NHWC, `shape` = [h, w, c]).
 * Every tensor it makes is disposed; the model is left as it was.
 */
export async function gradCam(
  model: tf.LayersModel,
  images: Float32Array,
  shape: readonly [number, number, number],
  count: number,
  options: GradCamOptions = {},
): Promise<GradCamResult> {
  const [h, w, c] = shape;
  const size = h * w * c;
  if (!Number.isInteger(count) || count < 0 || images.length < count * size) {
    throw new MedpipeError('SHAPE_MISMATCH', `Grad-CAM was asked for ${count} images of [${shape.join(', ')}] but the buffer holds ${images.length} values.`, {
      fix: 'Pass count ≤ images.length / (h·w·c).',
    });
  }
  checkModel(model, shape);
  const batchSize = options.batchSize ?? 16;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new MedpipeError('INVALID_CONFIG', `Grad-CAM batchSize must be a positive integer, got ${batchSize}.`, { fix: 'Use e.g. 16.' });
  }
  const method = options.method ?? 'gradcam';
  if (method !== 'gradcam' && method !== 'hirescam') {
    throw new MedpipeError('INVALID_CONFIG', `Unknown Grad-CAM method '${String(method)}'.`, { fix: "Use 'gradcam' or 'hirescam'." });
  }
  const plan = planModel(model, options.layer);
  const units = model.outputs[0]!.shape[model.outputs[0]!.shape.length - 1] ?? 1;
  const heatmaps = new Float32Array(count * h * w);
  const scores = new Float32Array(count);
  const peaks = new Float32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const x = tf.tensor4d(images.subarray(start * size, (start + n) * size), [n, h, w, c]);
    // Which unit each image's map explains: a one-hot mask over the K outputs (none for one unit).
    const mask =
      units > 1
        ? tf.oneHot(
            tf.tensor1d(
              Array.from({ length: n }, (_, i) => options.targets?.[start + i] ?? 0),
              'int32',
            ),
            units,
          )
        : undefined;
    try {
      const first = tf.tidy(() => {
        const { features, score } = plan.forward(x, undefined, mask);
        return { features, score };
      });
      let cam: tf.Tensor | undefined;
      try {
        cam = tf.tidy(() => {
          // Each image's logit depends only on its own activations (inference mode), so the gradient
          // of the batch sum is every image's own gradient.
          const grads = tf.grad((a: tf.Tensor) => tf.mul(tf.sum(plan.forward(x, a, mask).target), options.negate ? -1 : 1))(first.features);
          const weights = method === 'hirescam' ? grads : tf.mean(grads, [1, 2], true);
          return tf.relu(tf.sum(tf.mul(first.features, weights), -1));
        });
        const got = await first.score.data();
        scores.set(options.negate ? got.map((s) => 1 - s) : got, start);
        const maps = await cam.data();
        const [fh, fw] = cam.shape.slice(1) as [number, number];
        for (let i = 0; i < n; i++) {
          const out = heatmaps.subarray((start + i) * h * w, (start + i + 1) * h * w);
          upsampleBilinear(maps.subarray(i * fh * fw, (i + 1) * fh * fw), fh, fw, h, w, out);
          peaks[start + i] = normalize(out);
        }
      } finally {
        cam?.dispose();
        first.features.dispose();
        first.score.dispose();
      }
    } finally {
      x.dispose();
      mask?.dispose();
    }
  }
  return { heatmaps, scores, peaks, layer: plan.layer.name, target: plan.target };
}

/**
 * Divides by the maximum so each map spans [0, 1]; 0 stays "no positive evidence" (no min
 * subtraction). Returns the maximum (0 for an empty or non-finite map, which becomes all 0).
 */
function normalize(map: Float32Array): number {
  let max = 0;
  for (const v of map) if (v > max) max = v;
  if (!(max > 0) || !Number.isFinite(max)) {
    map.fill(0);
    return 0;
  }
  for (let i = 0; i < map.length; i++) map[i] = Math.min(1, Math.max(0, map[i]! / max));
  return max;
}

function checkModel(model: tf.LayersModel, shape: readonly [number, number, number]): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `Grad-CAM needs a model with one image input and one output; this one has ${model.inputs.length} inputs and ${model.outputs.length} outputs.`,
      {
        fix: 'Explain a medpipe binary classifier (one image input, one sigmoid output).',
      },
    );
  }
  const input = model.inputs[0]!.shape;
  if (input.length !== 4 || !shape.every((d, i) => input[i + 1] == null || input[i + 1] === d)) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `The model expects images of [${input
        .slice(1)
        .map((d) => d ?? '?')
        .join(', ')}] but Grad-CAM was given [${shape.join(', ')}].`,
      {
        fix: "Pass the images the model was trained on, in the model's input shape.",
      },
    );
  }
}

function isFeatureMap(layer: Layer): boolean {
  try {
    const out = layer.outputShape;
    return Array.isArray(out) && out.length === 4 && typeof out[3] === 'number';
  } catch {
    return false; // a layer used at several places has no single output shape
  }
}

function pickLayer(layers: readonly Layer[], name: string | undefined): number {
  if (name !== undefined) {
    const index = layers.findIndex((l) => l.name === name);
    if (index >= 0 && isFeatureMap(layers[index]!)) return index;
    const candidates = layers.filter(isFeatureMap).map((l) => l.name);
    throw new MedpipeError(
      'INVALID_CONFIG',
      index < 0
        ? `The model has no layer named '${name}' to explain.`
        : `Layer '${name}' does not output [batch, h, w, channels] feature maps, so Grad-CAM cannot explain it.`,
      {
        fix: candidates.length > 0 ? `Use one of: ${candidates.join(', ')}.` : 'This model has no 2-D feature-map layer; Grad-CAM needs a CNN.',
      },
    );
  }
  for (let i = layers.length - 1; i >= 0; i--) {
    if (CONV_CLASSES.has(layers[i]!.getClassName()) && isFeatureMap(layers[i]!)) return i;
  }
  throw new MedpipeError('INVALID_CONFIG', 'The model has no Conv2D layer for Grad-CAM to explain.', {
    fix: `Name a layer with 2-D feature maps in the Grad-CAM options (layers: ${layers.map((l) => l.name).join(', ')}).`,
  });
}

type HeadApply = (input: tf.Tensor, mask?: tf.Tensor) => { target: tf.Tensor; score: tf.Tensor };

/**
 * The target of a head layer applied to `input`: its pre-activation logit when it ends in a sigmoid
 * or softmax, else its output; with a K-unit `mask`, the masked unit's value per image.
 */
function headTarget(head: Layer): { target: 'logit' | 'probability'; apply: HeadApply } {
  const config = head.getConfig() as { activation?: unknown; useBias?: boolean };
  const className = head.getClassName();
  const pick = (t: tf.Tensor, mask?: tf.Tensor) => (mask ? tf.sum(tf.mul(t, mask), -1) : t);
  const plain: HeadApply = (input, mask) => {
    const score = pick(head.apply(input, { training: false }) as tf.Tensor, mask);
    return { target: score, score };
  };
  const activation = config.activation === 'softmax' ? tf.softmax : config.activation === 'sigmoid' ? tf.sigmoid : undefined;
  if (!activation) return { target: 'probability', apply: plain };
  if (className === 'Activation') {
    return { target: 'logit', apply: (input, mask) => ({ target: pick(input, mask), score: pick(activation(input), mask) }) };
  }
  if (className === 'Dense') {
    return {
      target: 'logit',
      apply: (input, mask) => {
        if (input.rank !== 2) return plain(input, mask);
        // The Dense layer's own matmul + bias, without its activation. read() gives the live variable: not disposed here.
        const [kernel, bias] = head.weights;
        let z = tf.matMul(input, kernel!.read());
        if (config.useBias !== false && bias) z = tf.add(z, bias.read());
        return { target: pick(z, mask), score: pick(activation(z), mask) };
      },
    };
  }
  return { target: 'probability', apply: plain };
}

function planModel(model: tf.LayersModel, name: string | undefined): { layer: Layer; target: 'logit' | 'probability'; forward: Forward } {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const k = pickLayer(layers, name);
  const layer = layers[k]!;
  if (model.getClassName() === 'Sequential') {
    // Layers in order: the explained layer's output feeds the rest.
    const head = headTarget(layers[layers.length - 1]!);
    const forward: Forward = (x, at, mask) => {
      let cur = at ?? x;
      let features = at;
      for (let i = at ? k + 1 : 0; i < layers.length; i++) {
        if (i === layers.length - 1) return { features: features!, ...head.apply(cur, mask) };
        cur = layers[i]!.apply(cur, { training: false }) as tf.Tensor;
        if (i === k) features = cur;
      }
      throw new MedpipeError('INTERNAL', 'Grad-CAM: the model ended before its output layer.', { fix: 'Report this with the model summary.' });
    };
    return { layer, target: head.target, forward };
  }
  return planGraph(model, layers, layer);
}

/**
 * Functional models: replays the layer graph node by node on real tensors, with the explained
 * layer's output replaceable (the gradient's input). Branches that bypass that layer are computed
 * from the image and are constants for the gradient, as they should be.
 */
function planGraph(model: tf.LayersModel, layers: readonly Layer[], layer: Layer): { layer: Layer; target: 'logit' | 'probability'; forward: Forward } {
  let featureId: number;
  try {
    featureId = (layer.output as tf.SymbolicTensor).id;
  } catch (cause) {
    throw new MedpipeError('INVALID_CONFIG', `Layer '${layer.name}' is used at several places in the model; Grad-CAM needs one output to explain.`, {
      cause,
      fix: 'Name a layer that is used once.',
    });
  }
  const output = model.outputs[0]!;
  const head = headTarget(output.sourceLayer as Layer);
  const inputId = model.inputs[0]!.id;
  const forward: Forward = (x, at, mask) => {
    const values = new Map<number, tf.Tensor>([[inputId, x]]);
    if (at) values.set(featureId, at);
    let result: { target: tf.Tensor; score: tf.Tensor } | undefined;
    for (let progress = true; progress && !result;) {
      progress = false;
      for (const l of layers) {
        for (const node of l.inboundNodes) {
          const outs = node.outputTensors;
          if (outs.every((t) => values.has(t.id))) continue;
          const ins = node.inputTensors.map((t) => values.get(t.id));
          if (ins.some((t) => t === undefined)) continue;
          const args = ins.length === 1 ? ins[0]! : (ins as tf.Tensor[]);
          if (outs.some((t) => t.id === output.id)) {
            result = head.apply(args as tf.Tensor, mask);
            values.set(output.id, result.target);
          } else {
            const got = l.apply(args, { ...(node.callArgs ?? {}), training: false }) as tf.Tensor | tf.Tensor[];
            const list = Array.isArray(got) ? got : [got];
            outs.forEach((t, i) => values.set(t.id, list[i]!));
          }
          progress = true;
        }
      }
    }
    const features = values.get(featureId);
    if (!result || !features) {
      throw new MedpipeError('INTERNAL', `Grad-CAM could not trace the model from its input through '${layer.name}' to its output.`, {
        fix: 'Explain a model whose layers form one graph from the image input to the output.',
      });
    }
    return { features, ...result };
  };
  return { layer, target: head.target, forward };
}
