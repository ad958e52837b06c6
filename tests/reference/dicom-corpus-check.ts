/**
 * Runs tests/reference/dicom_corpus.py and compares medpipe's decode of each corpus file with it.
 * Kept apart from the test so the comparison rules (exact for lossless, a stated tolerance for lossy,
 * GDCM consulted only where pydicom disagrees) read in one place.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PYTHON, REFERENCE_DIR } from './dicom-nifti-check.ts';

export type CorpusStatus = 'decoded' | 'undecodable' | 'no-pixels' | 'not-dicom';

export interface CorpusEntry {
  readonly path: string;
  readonly name: string;
  /** From Debian's python3-pydicom data folder (else the project's edge fixtures or $MEDPIPE_DICOM_CORPUS). */
  readonly debian: boolean;
  readonly status: CorpusStatus;
  readonly reason?: string;
  readonly transferSyntax?: string;
  readonly lossy?: boolean;
  readonly class?: string;
  readonly shape?: readonly number[];
  readonly pydicom?: string;
  readonly gdcm?: { readonly status: string; readonly reason?: string; readonly file?: string; readonly shape?: readonly number[] };
}

export interface CorpusManifest {
  readonly pydicom: string;
  readonly gdcm: string | null;
  readonly roots: readonly string[];
  readonly files: readonly CorpusEntry[];
}

/** Runs the reference script into `out` (a fresh folder) and returns its manifest. */
export function runCorpusReference(out: string): CorpusManifest {
  const run = spawnSync(PYTHON, [path.join(REFERENCE_DIR, 'dicom_corpus.py'), out], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) throw new Error(`dicom_corpus.py failed (${run.status ?? run.signal}): ${run.stderr}`);
  return JSON.parse(readFileSync(run.stdout.trim(), 'utf8')) as CorpusManifest;
}

export function referenceValues(out: string, file: string): Float32Array {
  const bytes = readFileSync(path.join(out, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * Lossy codecs are decoded by different libraries on each side (libjpeg-turbo, DCMTK's IJG and
 * OpenJPEG here; GDCM's IJG and OpenJPEG there), whose inverse DCT, colour conversion and chroma
 * upsampling may round differently. The tolerance is in stored units: values may differ by at most
 * `maxAbs` × |scale| anywhere, and by at most `meanAbs` × |scale| on average. (On Debian's pydicom
 * data every lossy file agrees exactly; on pydicom-data and Cornerstone's test images the largest
 * difference seen is 1.)
 */
export const LOSSY_TOLERANCE = { maxAbs: 2, meanAbs: 0.1 } as const;

export interface Difference {
  readonly same: boolean;
  readonly maxAbs: number;
  readonly meanAbs: number;
  readonly first?: string;
}

/** Exact comparison, or the lossy tolerance when `lossy`; `unit` is the size of one stored step in output units. */
export function compareValues(actual: Float32Array, expected: Float32Array, lossy: boolean, unit = 1): Difference {
  if (actual.length !== expected.length)
    return { same: false, maxAbs: Infinity, meanAbs: Infinity, first: `${actual.length} values, reference ${expected.length}` };
  let maxAbs = 0;
  let sum = 0;
  let first: string | undefined;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d === 0) && first === undefined) first = `value ${i}: medpipe ${actual[i]}, reference ${expected[i]}`;
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    sum += d;
  }
  const meanAbs = actual.length ? sum / actual.length : 0;
  const same = lossy ? maxAbs <= LOSSY_TOLERANCE.maxAbs * unit && meanAbs <= LOSSY_TOLERANCE.meanAbs * unit : maxAbs === 0;
  return { same, maxAbs, meanAbs, first };
}
