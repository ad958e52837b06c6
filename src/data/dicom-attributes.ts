/**
 * The non-identifying DICOM attributes subgroup analysis uses: sex, an age band, manufacturer,
 * view position, body part and modality. Ages become 10-year bands with 90 and over pooled (as
 * HIPAA Safe Harbor pools them); names, IDs, dates and UIDs are never read.
 */
import { readFile } from 'node:fs/promises';
import dicomParser from 'dicom-parser';

const TAGS: readonly [name: string, tag: string][] = [
  ['sex', 'x00100040'],
  ['manufacturer', 'x00080070'],
  ['view', 'x00185101'],
  ['bodyPart', 'x00180015'],
  ['modality', 'x00080060'],
];

/**
 * Reads the header of a DICOM file (stopping before the pixel data) and returns its attributes;
 * undefined when none is present or the header cannot be read (decoding reports real problems).
 * @example
 *   await dicomAttributes('ct/slice1.dcm'); // { sex: 'F', ageBand: '60-69', manufacturer: 'SIEMENS', modality: 'CT' }
 */
export async function dicomAttributes(file: string): Promise<Record<string, string> | undefined> {
  try {
    return dicomAttributesOf(await readFile(file));
  } catch {
    return undefined;
  }
}

/** dicomAttributes of a file already in memory (ingest reads each file once). */
export function dicomAttributesOf(bytes: Uint8Array): Record<string, string> | undefined {
  try {
    const hasPreamble = bytes.length >= 132 && Buffer.from(bytes.buffer, bytes.byteOffset + 128, 4).toString('latin1') === 'DICM';
    if (!hasPreamble) return undefined;
    const data = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    const out: Record<string, string> = {};
    for (const [name, tag] of TAGS) {
      const value = data.string(tag)?.replace(/\0/g, '').trim();
      if (value) out[name] = value;
    }
    const band = ageBand(data.string('x00101010'));
    if (band) out.ageBand = band;
    return Object.keys(out).length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

/** PatientAge ('045Y', '018M', '003W', '010D') as a 10-year band; 90 and over as '90+'. */
export function ageBand(value: string | undefined): string | undefined {
  const m = /^(\d{1,3})([DWMY])$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  const years = m[2] === 'Y' ? n : m[2] === 'M' ? n / 12 : m[2] === 'W' ? n / 52.18 : n / 365.25;
  if (years >= 90) return '90+';
  const lo = Math.floor(years / 10) * 10;
  return `${lo}-${lo + 9}`;
}
