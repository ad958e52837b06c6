/**
 * Every file of Debian's python3-pydicom data folder (test_files/, dicomdirtests/, charset_files/,
 * palettes/; plus the folders in $MEDPIPE_DICOM_CORPUS) through decodeFile, the path ingest uses,
 * against tests/reference/dicom_corpus.py:
 * - pydicom decodes it: medpipe's values equal pydicom's (lossless: exactly; lossy: within
 *   LOSSY_TOLERANCE), or, where they differ, GDCM's own decode (the second reference);
 * - pydicom cannot decode it: medpipe refuses it with a MedpipeError naming the file, or its values
 *   equal GDCM's; a file neither reference decodes but medpipe does is listed as unverified;
 * - no pixel data, or not DICOM: a MedpipeError naming the file.
 * Without python3-pydicom / python3-gdcm the suite is skipped (and fails under CI=true).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DecodedImage } from '../../../src/data/types.ts';
import { decodeFile } from '../../../src/io/read-image.ts';
import { MedpipeError } from '../../../src/base/errors.ts';
import { compareValues, LOSSY_TOLERANCE, referenceValues, runCorpusReference, type CorpusEntry } from '../../reference/dicom-corpus-check.ts';
import { pythonHas } from '../../reference/dicom-nifti-check.ts';

type Outcome = 'pydicom' | 'gdcm' | 'refused' | 'unverified' | 'FAILED';

interface Result {
  readonly entry: CorpusEntry;
  readonly outcome: Outcome;
  readonly detail: string;
  /** For lossy files matched to pydicom: largest and mean |Δ| in stored units. */
  readonly lossy?: { readonly maxAbs: number; readonly meanAbs: number };
}

const tools = pythonHas(['pydicom', 'numpy', 'gdcm']);
const Corpus = suite('decodeFile = pydicom (GDCM where they disagree), every file of the Debian pydicom test data');
const title = 'every file matches a reference or is refused with a MedpipeError naming it';

if (!tools.ok && process.env.CI !== 'true') {
  console.warn(`  (skipped the DICOM corpus reference: ${tools.why}; install python3-pydicom python3-numpy python3-gdcm)`);
  Corpus.skip(title, () => {});
} else {
  Corpus(title, async () => {
    assert.ok(tools.ok, `the DICOM corpus reference needs python3-pydicom python3-numpy python3-gdcm (${tools.why})`);
    const out = await mkdtemp(path.join(tmpdir(), 'medpipe-corpus-'));
    try {
      const manifest = runCorpusReference(out);
      const results: Result[] = [];
      for (const entry of manifest.files) results.push(await judge(entry, out));
      report(results, manifest.pydicom, manifest.gdcm);
      const decodable = results.filter((r) => r.entry.status === 'decoded' && r.entry.debian);
      // A corpus that suddenly holds few decodable files means the reference broke, not that all is well.
      assert.ok(decodable.length >= 80, `only ${decodable.length} Debian files decodable by pydicom; expected the ~92 of Debian's pydicom 2.3 data`);
      const failed = results.filter((r) => r.outcome === 'FAILED');
      assert.equal(
        failed.map((r) => `${r.entry.name}: ${r.detail}`),
        [],
        'files that match no reference',
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
}

async function judge(entry: CorpusEntry, out: string): Promise<Result> {
  let frames: DecodedImage[];
  try {
    frames = await decodeFile(entry.path);
  } catch (error) {
    const named = error instanceof MedpipeError && error.message.includes(entry.path) && error.file === entry.path;
    if (!named) return { entry, outcome: 'FAILED', detail: `threw ${error instanceof MedpipeError ? 'a MedpipeError without the file' : String(error)}` };
    if (entry.status === 'decoded')
      return { entry, outcome: 'FAILED', detail: `pydicom decodes it; medpipe refused: ${error.message.replace(entry.path, '<file>')}` };
    return { entry, outcome: 'refused', detail: error.message.replace(entry.path, '<file>') };
  }
  if (entry.status === 'no-pixels' || entry.status === 'not-dicom') {
    return { entry, outcome: 'FAILED', detail: `returned ${frames.length} image(s) for a file pydicom says has ${entry.reason}` };
  }
  const values = concat(frames);
  const meta = frames[0].meta as { rescale?: { slope: number }; doseGridScaling?: number; bitDepth?: number };
  const unit = frames[0].shape[2] === 1 ? Math.abs(meta.rescale?.slope ?? 1) * (meta.doseGridScaling ?? 1) : 1;
  const lossy = entry.lossy === true;
  let pydicomDetail = entry.reason ?? '';
  if (entry.status === 'decoded' && entry.pydicom) {
    const d = compareValues(values, referenceValues(out, entry.pydicom), lossy, unit);
    if (d.same)
      return {
        entry,
        outcome: 'pydicom',
        detail: lossy ? `max |Δ| ${d.maxAbs}, mean ${d.meanAbs.toFixed(3)}` : 'exact',
        ...(lossy ? { lossy: { maxAbs: d.maxAbs / unit, meanAbs: d.meanAbs / unit } } : {}),
      };
    pydicomDetail = `pydicom differs (max |Δ| ${d.maxAbs}; ${d.first})`;
  }
  const g = entry.gdcm;
  if (g?.status === 'decoded' && g.file) {
    // GDCM's palette lookup keeps the high byte of 16-bit entries: compare medpipe's the same way.
    const eightBit = (g as { bits?: number }).bits === 8 && (meta.bitDepth ?? 8) > 8;
    const mine = eightBit ? values.map((v) => Math.floor(v / 256)) : values;
    const d = compareValues(mine, referenceValues(out, g.file), lossy, unit);
    if (d.same) return { entry, outcome: 'gdcm', detail: `${pydicomDetail}; GDCM agrees${eightBit ? ' (8-bit palette output)' : ''}` };
    return { entry, outcome: 'FAILED', detail: `${pydicomDetail}; GDCM differs too (max |Δ| ${d.maxAbs}; ${d.first})` };
  }
  if (entry.status === 'decoded') return { entry, outcome: 'FAILED', detail: `${pydicomDetail}; GDCM cannot decode it (${g?.reason ?? 'not run'})` };
  return { entry, outcome: 'unverified', detail: `medpipe decodes it; pydicom: ${entry.reason}; GDCM: ${g?.reason ?? 'not run'}` };
}

function concat(frames: readonly DecodedImage[]): Float32Array {
  const out = new Float32Array(frames.reduce((n, f) => n + f.data.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f.data, at);
    at += f.data.length;
  }
  return out;
}

/** One table per outcome class, matched / total per kind of file, then every non-pydicom outcome by name. */
function report(results: readonly Result[], pydicom: string, gdcm: string | null): void {
  const byClass = new Map<string, { total: number; matched: number }>();
  for (const r of results.filter((x) => x.entry.status === 'decoded')) {
    const key = r.entry.class ?? '?';
    const row = byClass.get(key) ?? { total: 0, matched: 0 };
    row.total++;
    if (r.outcome === 'pydicom' || r.outcome === 'gdcm') row.matched++;
    byClass.set(key, row);
  }
  const lines = [`  DICOM corpus (pydicom ${pydicom}, GDCM ${gdcm}): ${results.length} files`];
  for (const [key, row] of [...byClass].sort()) lines.push(`    ${String(row.matched).padStart(3)} / ${String(row.total).padEnd(3)} ${key}`);
  const count = (o: Outcome): number => results.filter((r) => r.outcome === o).length;
  const debian = results.filter((r) => r.entry.debian && r.entry.status === 'decoded');
  const debianMatched = debian.filter((r) => r.outcome === 'pydicom' || r.outcome === 'gdcm').length;
  lines.push(
    `    Debian pydicom data: ${debianMatched} / ${debian.length} pydicom-decodable files matched; ${results.filter((r) => r.entry.debian).length - debian.length} more files refused as expected or listed below`,
  );
  const lossy = results.filter((r) => r.lossy);
  const worst = (key: 'maxAbs' | 'meanAbs'): number => Math.max(0, ...lossy.map((r) => r.lossy![key]));
  lines.push(
    `    lossy files: ${lossy.length}, largest |Δ| ${worst('maxAbs')} stored units, largest mean |Δ| ${worst('meanAbs').toFixed(3)} (tolerance ${LOSSY_TOLERANCE.maxAbs} / ${LOSSY_TOLERANCE.meanAbs}); lossless files: exact`,
  );
  lines.push(
    `    matched pydicom ${count('pydicom')}, matched GDCM where pydicom differs ${count('gdcm')}, refused ${count('refused')}, unverified ${count('unverified')}, failed ${count('FAILED')}`,
  );
  for (const r of results.filter((x) => x.outcome === 'gdcm' || x.outcome === 'unverified' || (x.outcome === 'refused' && x.entry.status === 'undecodable'))) {
    lines.push(`    ${r.outcome.padEnd(10)} ${r.entry.name}: ${r.detail}`);
  }
  console.log(lines.join('\n'));
}

Corpus.run();
