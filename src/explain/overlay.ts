/**
 * Grad-CAM pictures a radiologist can read: the image in grey on the left, the same image with the
 * heatmap in jet colours (opacity 0.4; blue = no evidence, red = strongest) on the right, and a
 * caption with the true class, the score and, given a threshold, TP/FP/TN/FN. File names carry only
 * the outcome, the sample's index in its split, its true class and the score, e.g.
 * `FN_0012_pneumonia_0.231.png` (no ids, no source file names: those can hold patient data);
 * `index.csv` beside them maps each picture to its sample id, as predictions.csv does.
 *
 * @example
 *   await writeGradCamPngs(join(out, 'plots', 'gradcam'), pixels, heatmaps, [64, 64, 1],
 *     { ids, labels, scores, classNames: ['normal', 'pneumonia'], indices, threshold: 0.5 });
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../base/atomic.ts';
import { MedpipeError } from '../base/errors.ts';
import { jet } from './colormap.ts';
import { outcomeOf } from './outcome.ts';
import { upsampleBilinear } from './upsample.ts';
import { csvField } from '../io/csv.ts';

export interface GradCamPngMeta {
  /** Sample ids, one per image; written to index.csv only, never into file names. */
  readonly ids: readonly string[];
  /** True class index of each image. */
  readonly labels: readonly number[];
  /** Model score (probability of class 1) of each image. */
  readonly scores: ArrayLike<number>;
  readonly classNames: readonly string[];
  /** Each image's index in its split (its row in predictions.csv, from 0), used in the file name. @default 0, 1, 2, … */
  readonly indices?: readonly number[];
  /** Decision threshold; with it each picture is marked TP / FP / TN / FN. @default undefined (not marked) */
  readonly threshold?: number;
  /** Opacity of the colour map over the image. @default 0.4 */
  readonly alpha?: number;
  /**
   * Each map's strength before normalisation (GradCamResult.peaks). With it every map is drawn on the
   * set's common scale (map · peak / max peak) and the caption gives the relative strength, so an
   * image with little positive evidence looks cold instead of stretched to full red.
   * @default undefined (each map on its own scale)
   */
  readonly peaks?: ArrayLike<number>;
  /** Name of the method for the caption, e.g. 'Grad-CAM'. @default undefined (not shown) */
  readonly method?: string;
  /**
   * K-class tasks: the predicted class of each image, and the class each map explains; `scores` are
   * then the explained class's probabilities, and pictures are marked correct / misclassified.
   * @default undefined (binary: scores are P(class 1))
   */
  readonly predicted?: readonly number[];
  readonly explained?: readonly number[];
}

/** Each panel is drawn at least this many pixels on its longer side (small images are enlarged). */
const MIN_PANEL = 256;
const GAP = 8;
const CAPTION = 24;

/**
 * Writes one PNG per image into `dir` (created if missing) plus `index.csv`; returns the paths
 * written, PNGs first in image order. `images` is NHWC with `shape` = [h, w, c]; `heatmaps` holds
 * h·w values in [0, 1] per image.
 */
export async function writeGradCamPngs(
  dir: string,
  images: Float32Array,
  heatmaps: Float32Array,
  shape: readonly [number, number, number],
  meta: GradCamPngMeta,
): Promise<string[]> {
  const [h, w, c] = shape;
  const count = meta.labels.length;
  if (
    images.length !== count * h * w * c ||
    heatmaps.length !== count * h * w ||
    meta.ids.length !== count ||
    meta.scores.length !== count ||
    (meta.indices && meta.indices.length !== count)
  ) {
    throw new MedpipeError(
      'SHAPE_MISMATCH',
      `Grad-CAM pictures: ${count} labels, ${meta.ids.length} ids, ${meta.scores.length} scores, ${images.length} pixel values and ${heatmaps.length} heatmap values do not fit [${shape.join(', ')}].`,
      {
        fix: 'Pass one id, label and score per image, h·w·c pixels and h·w heatmap values per image.',
      },
    );
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new MedpipeError('BAD_FILE', `Cannot create the Grad-CAM folder ${dir}.`, { file: dir, cause, fix: 'Check that the output folder is writable.' });
  }
  const alpha = meta.alpha ?? 0.4;
  let strongest = 0;
  for (let i = 0; i < (meta.peaks?.length ?? 0); i++) if (meta.peaks![i]! > strongest) strongest = meta.peaks![i]!;
  const scale = Math.max(1, Math.ceil(MIN_PANEL / Math.max(h, w)));
  const [ph, pw] = [h * scale, w * scale];
  const width = 2 * pw + GAP;
  const written: string[] = [];
  const classes = meta.predicted !== undefined;
  const rows = [classes ? 'file,index,id,label,predicted,explained,probability,outcome,strength' : 'file,index,id,label,score,predicted,outcome,strength'];
  const nameOf = (c: number) => meta.classNames[c] ?? String(c);
  for (let i = 0; i < count; i++) {
    const index = meta.indices?.[i] ?? i;
    const label = meta.labels[i]!;
    const score = meta.scores[i]!;
    const className = nameOf(label);
    const predicted = meta.predicted?.[i];
    const explained = meta.explained?.[i] ?? predicted;
    const outcome =
      predicted !== undefined
        ? predicted === label
          ? 'correct'
          : 'misclassified'
        : meta.threshold === undefined
          ? ''
          : outcomeOf(label, score, meta.threshold);
    // The outcome first, so a file browser groups the misses together.
    const name = `${outcome ? `${outcome}_` : ''}${String(index).padStart(4, '0')}_${safe(className)}${predicted !== undefined ? `_as_${safe(nameOf(predicted))}` : ''}_${score.toFixed(3)}.png`;
    const strength = meta.peaks === undefined ? 1 : strongest > 0 ? Math.max(0, meta.peaks[i]! / strongest) : 0;
    const pixels = panels(images.subarray(i * h * w * c, (i + 1) * h * w * c), heatmaps.subarray(i * h * w, (i + 1) * h * w), shape, scale, alpha, strength);
    const caption = [
      `#${index}`,
      `true: ${className}`,
      ...(predicted !== undefined
        ? [`predicted: ${nameOf(predicted)}`, `map of ${nameOf(explained!)} (p ${score.toFixed(3)})`]
        : [`score ${score.toFixed(3)}`, ...(outcome ? [`${outcome} at threshold ${Number(meta.threshold!.toPrecision(3))}`] : [])]),
      ...(meta.method === undefined && meta.peaks === undefined ? [] : [`${meta.method ?? 'map'} strength ${strength.toFixed(2)}`]),
    ].join(' · ');
    const png = await sharp(pixels, { raw: { width, height: ph + CAPTION, channels: 3 } })
      .composite([{ input: Buffer.from(captionSvg(caption, width)), top: 0, left: 0 }])
      .png()
      .toBuffer();
    const path = join(dir, name);
    await writeFileAtomic(path, png);
    written.push(path);
    const strengthCell = meta.peaks === undefined ? '' : strength;
    rows.push(
      (classes
        ? [name, index, csvField(meta.ids[i]!), label, predicted, explained, score, outcome, strengthCell]
        : [name, index, csvField(meta.ids[i]!), label, score, meta.threshold === undefined ? '' : score >= meta.threshold ? 1 : 0, outcome, strengthCell]
      ).join(','),
    );
  }
  const indexPath = join(dir, 'index.csv');
  await writeFileAtomic(indexPath, rows.join('\n') + '\n');
  written.push(indexPath);
  return written;
}

/** RGB raster: caption band (black, text composited later), then grey image | gap | overlay. */
function panels(image: Float32Array, heat: Float32Array, [h, w, c]: readonly [number, number, number], scale: number, alpha: number, strength: number): Buffer {
  // Grey = channel mean, stretched to the image's own min..max (values may be z-scores or HU).
  const grey = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += image[p * c + k]!;
    grey[p] = sum / c;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grey)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  const span = hi > lo ? hi - lo : 1;
  const [ph, pw] = [h * scale, w * scale];
  // The heatmap is smooth by nature: enlarge it bilinearly; the image keeps its pixels (nearest).
  const bigHeat = scale === 1 ? heat : upsampleBilinear(heat, h, w, ph, pw);
  const width = 2 * pw + GAP;
  const out = Buffer.alloc(width * (ph + CAPTION) * 3);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const g = grey[Math.floor(y / scale) * w + Math.floor(x / scale)]!;
      const v = Number.isFinite(g) ? Math.round(255 * Math.min(1, Math.max(0, (g - lo) / span))) : 0;
      const row = (y + CAPTION) * width;
      out.fill(v, (row + x) * 3, (row + x) * 3 + 3);
      const [r, gr, b] = jet(bigHeat[y * pw + x]! * strength);
      const at = (row + pw + GAP + x) * 3;
      out[at] = Math.round((1 - alpha) * v + alpha * r);
      out[at + 1] = Math.round((1 - alpha) * v + alpha * gr);
      out[at + 2] = Math.round((1 - alpha) * v + alpha * b);
    }
  }
  return out;
}

function captionSvg(text: string, width: number): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${CAPTION}">` +
    `<text x="6" y="${CAPTION - 7}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#ffffff">${escaped}</text></svg>`
  );
}

/** A class name as a file-name part: letters, digits, dot and dash only. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 40) || 'class';
}
