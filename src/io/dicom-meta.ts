import type { DataSet } from 'dicom-parser';
import type { ImageMeta } from './types.ts';
import type { MedpipeError } from '../base/errors.ts';
import { LutError, modalityLut, paletteLuts } from './dicom-lut.ts';
import { valueRange, type PixelModule } from './dicom-pixels.ts';
import { saltedHash } from './privacy.ts';

/** Reads and checks the Image Pixel, Modality LUT and RT Dose attributes; anything we cannot honour is an error. */
export function pixelModule(dataSet: DataSet, bad: (what: string, fix: string) => MedpipeError): PixelModule {
  const floatBits = dataSet.elements.x7fe00010 ? undefined : dataSet.elements.x7fe00008 ? 32 : dataSet.elements.x7fe00009 ? 64 : undefined;
  const rows = dataSet.uint16('x00280010') ?? 0;
  const cols = dataSet.uint16('x00280011') ?? 0;
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  const bitsAllocated = dataSet.uint16('x00280100') ?? floatBits ?? 0;
  const bitsStored = floatBits ?? dataSet.uint16('x00280101') ?? bitsAllocated;
  const pixelRepresentation = dataSet.uint16('x00280103') ?? 0;
  const photometric = (dataSet.string('x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).trim();
  const planarConfiguration = dataSet.uint16('x00280006') ?? 0;
  const fixHeader = 'The image header is inconsistent; re-export the file from its source.';
  if (rows < 1 || cols < 1) throw bad(`has no image size (Rows ${rows}, Columns ${cols}).`, fixHeader);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw bad(`has ${samplesPerPixel} samples per pixel; only 1 (grey) and 3 (colour) are supported.`, fixHeader);
  if (floatBits !== undefined) {
    if (samplesPerPixel !== 1 || photometric !== 'MONOCHROME2' || bitsAllocated !== floatBits) {
      throw bad(`holds ${floatBits}-bit float Pixel Data with ${samplesPerPixel} sample(s), ${photometric}, BitsAllocated ${bitsAllocated}; only single-sample MONOCHROME2 is defined.`, fixHeader);
    }
    return { rows, cols, samplesPerPixel, bitsAllocated, bitsStored, pixelRepresentation: 1, photometric, planarConfiguration, slope: 1, intercept: 0, floatBits };
  }
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw bad(`has BitsAllocated ${bitsAllocated}; only 1, 8, 16 and 32 are defined.`, fixHeader);
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw bad(`has BitsStored ${bitsStored} with BitsAllocated ${bitsAllocated}.`, fixHeader);
  const supported = samplesPerPixel === 1 ? ['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR'] : ['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420'];
  if (!supported.includes(photometric)) {
    throw bad(`has Photometric Interpretation ${photometric}${samplesPerPixel === 1 ? '' : ' with 3 samples'}, which is not supported.`, fixHeader);
  }
  const signed = pixelRepresentation === 1;
  const lutFix = 'Its lookup tables are damaged; re-export the file, or convert it with `gdcmconv --raw --apply-lut in.dcm out.dcm` (libgdcm-tools).';
  let lut;
  let palette;
  try {
    if (photometric === 'PALETTE COLOR') palette = paletteLuts(dataSet, signed);
    else if (samplesPerPixel === 1) lut = modalityLut(dataSet, signed);
  } catch (error) {
    if (error instanceof LutError) throw bad(`${error.message}.`, lutFix);
    throw error;
  }
  const slope = dataSet.floatString('x00281053') ?? 1;
  const intercept = dataSet.floatString('x00281052') ?? 0;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept) || slope === 0) {
    throw bad(`has an invalid Rescale Slope/Intercept (${dataSet.string('x00281053')}, ${dataSet.string('x00281052')}).`, fixHeader);
  }
  const doseScaling = rtDoseScaling(dataSet);
  if (doseScaling !== undefined && (!Number.isFinite(doseScaling) || doseScaling <= 0)) {
    throw bad(`has an invalid Dose Grid Scaling (${dataSet.string('x3004000e')}).`, fixHeader);
  }
  return {
    rows, cols, samplesPerPixel, bitsAllocated, bitsStored, pixelRepresentation, photometric, planarConfiguration, slope, intercept,
    ...(lut ? { modalityLut: lut } : {}),
    ...(palette ? { palette } : {}),
    ...(doseScaling !== undefined ? { doseScaling } : {}),
  };
}

/** Dose Grid Scaling (3004,000E) of an RT Dose object (PS3.3 C.8.8.3), when the file has one. */
function rtDoseScaling(dataSet: DataSet): number | undefined {
  if (dataSet.string('x00080060')?.trim() !== 'RTDOSE' || !dataSet.elements.x3004000e) return undefined;
  return dataSet.floatString('x3004000e');
}

/**
 * What a DICOM image tells about itself, with identities only as salted hashes: PatientID,
 * StudyInstanceUID, SeriesInstanceUID and SOPInstanceUID become `groupKeys`. PatientName is never read.
 */
export function baseMeta(dataSet: DataSet, px: PixelModule, transferSyntax: string, frames: number, salt: string): ImageMeta {
  const range = valueRange(px);
  const inverted = px.samplesPerPixel === 1 && px.photometric === 'MONOCHROME1' && !px.palette;
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
    ...valueMeaning(dataSet, px),
  };
}

/**
 * What the returned numbers are, where the file says: RT Dose values are doses (Dose Units: GY, or
 * RELATIVE to a reference), a Modality LUT Sequence names its output (Modality LUT Type, e.g. HU,
 * OD, US for unspecified), a rescale its Rescale Type; palette images are RGB.
 */
function valueMeaning(dataSet: DataSet, px: PixelModule): Record<string, unknown> {
  if (px.palette) return { values: 'RGB from the palette color lookup tables', bitDepth: px.palette.red.bits };
  if (px.doseScaling !== undefined) {
    const units = dataSet.string('x30040002')?.trim();
    return {
      values: `dose (stored value × Dose Grid Scaling ${px.doseScaling})`,
      units: units === 'GY' ? 'Gy' : units === 'RELATIVE' ? 'relative dose' : units || 'unspecified',
      doseGridScaling: px.doseScaling,
      ...(dataSet.string('x30040004') ? { doseType: dataSet.string('x30040004')!.trim() } : {}),
    };
  }
  if (px.modalityLut) {
    const type = px.modalityLut && dataSet.elements.x00283000?.items?.[0]?.dataSet?.string('x00283004')?.trim();
    return { values: 'Modality LUT Sequence output', ...(type ? { units: type } : {}) };
  }
  if (px.floatBits) return { values: `${px.floatBits}-bit float Pixel Data as stored` };
  const rescaleType = dataSet.string('x00281054')?.trim();
  return rescaleType ? { units: rescaleType } : {};
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

