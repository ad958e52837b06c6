import type { Codec } from '../base/artifact.ts';
import { gradCamFromBlobs, gradCamToBlobs } from '../explain/grad-cam-set.ts';
import type { CrossValidated } from '../train/cross-validate.ts';
import { decodeWithModel, encodeWithModel } from '../train/model-data.ts';
import type { Evaluated } from './evaluation.ts';

/** What the `evaluation` port carries: evaluate's result, or crossValidate's. */
export type EvaluationResult = Evaluated | CrossValidated;

/**
 * evaluate's result keeps its model (model.json + weights.bin) and its Grad-CAM pixels as blobs;
 * crossValidate's is plain JSON. The model blob tells them apart on the way back.
 */
export const evaluationCodec: Codec<EvaluationResult> = {
  encode: (value) => ('model' in value ? gradCamToBlobs(encodeWithModel(value)) : { meta: value, blobs: {} }),
  decode: (artifact) => ('model.json' in artifact.blobs ? decodeWithModel<Evaluated>(gradCamFromBlobs(artifact)) : (artifact.meta as CrossValidated)),
};
