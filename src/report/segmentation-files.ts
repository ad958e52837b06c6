/**
 * The files evaluate.segmentation writes: metrics.json (definitions, aggregates, per-image rows),
 * per-image.csv, predictions/<name>.png (label masks: 0/255 for binary, class indices otherwise),
 * overlays/<name>.png and report.html.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Codec } from '../base/artifact.ts';
import { writeFileAtomic } from '../base/atomic.ts';
import { csvField } from '../io/csv.ts';
import { SCORED_KEYS } from '../metrics/segmentation-metrics.ts';
import type { SegmentationMetricsDocument } from '../train/evaluate-segmentation.ts';
import { exportModel } from '../train/export-model.ts';
import { decodeWithModel, encodeWithModel, type ModelData } from '../train/model-data.ts';
import type { SegmentationModelInfo } from '../train/segmentation-model.ts';
import { segmentationReportHtml } from './html/segmentation-report.ts';

export interface SegmentationEvaluation {
  readonly document: SegmentationMetricsDocument;
  /** Relative path → PNG bytes (predictions/…, overlays/…). */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** The evaluated model and what predict needs (exported to model/). */
  readonly model?: ModelData;
  readonly info?: SegmentationModelInfo;
}

/** The document as JSON meta, the PNGs as blobs, and the model (model.json + weights.bin) beside them. */
export const segmentationEvaluationCodec: Codec<SegmentationEvaluation> = {
  encode: (value) => {
    if (!value.model) return { meta: { document: value.document }, blobs: value.files };
    const { meta, blobs } = encodeWithModel({ model: value.model, document: value.document, info: value.info });
    return { meta, blobs: { ...value.files, ...blobs } };
  },
  decode: (artifact) => {
    const { 'model.json': modelJson, 'weights.bin': weights, ...files } = artifact.blobs;
    const meta = artifact.meta as { document: SegmentationMetricsDocument; info?: SegmentationModelInfo };
    if (!modelJson) return { document: meta.document, files };
    const { model } = decodeWithModel<{ model: ModelData }>({ meta: {}, blobs: { 'model.json': modelJson, ...(weights ? { 'weights.bin': weights } : {}) } });
    return { document: meta.document, files, model, ...(meta.info ? { info: meta.info } : {}) };
  },
};

/** A unique PNG name per image id ("test/images/01_test.tif" → "01_test.png", a volume's slice "ct/case1.nii.gz#7" → "case1_z7.png"). */
export function pngNames(ids: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const [file, slice] = id.split('#') as [string, string | undefined];
    const stem = `${basename(file).replace(/(\.nii\.gz|\.[^.]*)$/i, '')}${slice !== undefined ? `_z${slice}` : ''}`;
    const n = seen.get(stem) ?? 0;
    seen.set(stem, n + 1);
    return `${n === 0 ? stem : `${stem}-${n + 1}`}.png`;
  });
}

export async function encodePng(data: Uint8Array, height: number, width: number, channels: 1 | 3): Promise<Uint8Array> {
  // sharp (libvips) loads when a PNG is written, not with the ports that name this module.
  const sharp = (await import('sharp')).default;
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } })
    .png({ compressionLevel: 6 })
    .toBuffer()
    .then((b) => new Uint8Array(b));
}

export function perImageCsv(document: SegmentationMetricsDocument): string {
  const classes = document.classes.slice(1);
  const header = ['image', ...classes.flatMap((c) => SCORED_KEYS.map((k) => `${c}_${k}`))];
  const rows = document.perImage.map((im) => [csvField(im.id), ...classes.flatMap((c) => SCORED_KEYS.map((k) => String(im.classes[c][k] ?? '')))].join(','));
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

export async function writeSegmentationFiles(value: SegmentationEvaluation, outDir: string): Promise<string[]> {
  const written: string[] = [];
  const put = async (rel: string, data: string | Uint8Array) => {
    const path = join(outDir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, data);
    written.push(path);
  };
  await put('metrics.json', `${JSON.stringify(value.document, null, 2)}\n`);
  await put('per-image.csv', perImageCsv(value.document));
  for (const [rel, bytes] of Object.entries(value.files)) await put(rel, bytes);
  const names = pngNames(value.document.perImage.map((im) => im.id));
  const overlays = new Map(
    value.document.perImage.flatMap((im, i) => (value.files[`overlays/${names[i]}`] ? [[im.id, value.files[`overlays/${names[i]}`]!] as const] : [])),
  );
  await put('report.html', segmentationReportHtml(value.document, basename(outDir), overlays));
  if (value.model && value.info) written.push(...(await exportModel(value.model, value.info, join(outDir, 'model'))));
  return written;
}
