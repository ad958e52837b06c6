import type { DataSet } from 'dicom-parser';
import type { ImageMeta } from './types.ts';
import type { MedpipeError } from '../base/errors.ts';
import { valueRange, type PixelModule } from './dicom-pixels.ts';
import { saltedHash } from './privacy.ts';

/** Reads and checks the Image Pixel and Modality LUT attributes; anything we cannot honour is an error. */
export function pixelModule(dataSet: DataSet, bad: (what: string, fix: string) => MedpipeError): PixelModule {
  const rows = dataSet.uint16('x00280010') ?? 0;
  const cols = dataSet.uint16('x00280011') ?? 0;
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  const pixelRepresentation = dataSet.uint16('x00280103') ?? 0;
  const photometric = (dataSet.string('x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).trim();
  const planarConfiguration = dataSet.uint16('x00280006') ?? 0;
  const fixHeader = 'The image header is inconsistent; re-export the file from its source.';
  if (rows < 1 || cols < 1) throw bad(`has no image size (Rows ${rows}, Columns ${cols}).`, fixHeader);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw bad(`has ${samplesPerPixel} samples per pixel; only 1 (grey) and 3 (colour) are supported.`, fixHeader);
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw bad(`has BitsAllocated ${bitsAllocated}; only 1, 8, 16 and 32 are defined.`, fixHeader);
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw bad(`has BitsStored ${bitsStored} with BitsAllocated ${bitsAllocated}.`, fixHeader);
  const supported = samplesPerPixel === 1 ? ['MONOCHROME1', 'MONOCHROME2'] : ['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420'];
  if (!supported.includes(photometric)) {
    throw bad(
      `has Photometric Interpretation ${photometric}${samplesPerPixel === 1 ? '' : ' with 3 samples'}, which is not supported.`,
      photometric === 'PALETTE COLOR' ? 'Convert palette images to RGB first, e.g. `gdcmconv --raw --apply-lut in.dcm out.dcm` (libgdcm-tools).' : fixHeader,
    );
  }
  if (dataSet.elements.x00283000 && dataSet.elements.x00281053 === undefined) {
    throw bad('uses a Modality LUT Sequence instead of Rescale Slope/Intercept, which is not supported.', 'Apply the LUT with a DICOM toolkit first (e.g. `gdcmconv --raw --apply-lut in.dcm out.dcm`).');
  }
  const slope = dataSet.floatString('x00281053') ?? 1;
  const intercept = dataSet.floatString('x00281052') ?? 0;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept) || slope === 0) {
    throw bad(`has an invalid Rescale Slope/Intercept (${dataSet.string('x00281053')}, ${dataSet.string('x00281052')}).`, fixHeader);
  }
  return { rows, cols, samplesPerPixel, bitsAllocated, bitsStored, pixelRepresentation, photometric, planarConfiguration, slope, intercept };
}

/**
 * What a DICOM image tells about itself, with identities only as salted hashes: PatientID,
 * StudyInstanceUID, SeriesInstanceUID and SOPInstanceUID become `groupKeys`. PatientName is never read.
 */
export function baseMeta(dataSet: DataSet, px: PixelModule, transferSyntax: string, frames: number, salt: string): ImageMeta {
  const range = valueRange(px);
  const inverted = px.samplesPerPixel === 1 && px.photometric === 'MONOCHROME1';
  const center = dataSet.floatString('x00281050');
  const width = dataSet.floatString('x00281051');
  // The file's window is in rescaled units (PS3.3 C.11.2.1.2); after MONOCHROME1 inversion, the same
  // tissue sits at (rmin + rmax) − center, so the window moves with it.
  const window =
    center !== undefined && width !== undefined && Number.isFinite(center) && Number.isFinite(width) && width > 0
      ? { center: inverted ? range[0] + range[1] - center : center, width }
      : undefined;
  const windowFunction = dataSet.string('x00281056')?.trim();
  const groupKeys: Record<string, string> = {};
  const ids: [string, string][] = [
    ['patient', 'x00100020'],
    ['study', 'x0020000d'],
    ['series', 'x0020000e'],
    ['instance', 'x00080018'],
  ];
  for (const [key, tag] of ids) {
    const value = dataSet.string(tag)?.replace(/\0/g, '').trim();
    if (value) groupKeys[key] = saltedHash(value, salt);
  }
  const modality = dataSet.string('x00080060')?.trim();
  return {
    format: 'dicom',
    bitDepth: px.bitsStored,
    photometric: px.photometric,
    range,
    ...(modality ? { modality } : {}),
    ...(window ? { window } : {}),
    ...(windowFunction ? { windowFunction } : {}),
    groupKeys: Object.freeze(groupKeys),
    frames,
    transferSyntax,
    rescale: { slope: px.slope, intercept: px.intercept },
    inverted,
  };
}

/** DICOM objects that legitimately carry no pixels, by Modality (PS3.3 C.7.3.1.1.1). */
export const NON_IMAGE: Readonly<Record<string, string>> = {
  SR: 'a Structured Report (SR)',
  RTSTRUCT: 'an RT Structure Set (RTSTRUCT)',
  RTPLAN: 'an RT Plan (RTPLAN)',
  RTRECORD: 'an RT Treatment Record (RTRECORD)',
  KO: 'a Key Object Selection (KO)',
  PR: 'a Presentation State (PR)',
  ECG: 'a waveform (ECG)',
  DOC: 'an encapsulated document (DOC)',
  REG: 'a registration (REG)',
};

