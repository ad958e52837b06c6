/**
 * readDicom against a reference DICOM toolkit, value for value (SHA-256 of the float32 output):
 * GDCM decodes, pydicom + numpy apply stored → masked → signed → (MONOCHROME1 inverted) → × slope +
 * intercept, and YBR → RGB. The committed tests/reference/dicom-reference.json always runs; the live
 * run of tests/reference/dicom_reference.py needs Debian's python3-pydicom, python3-numpy,
 * python3-gdcm and libgdcm-tools, and is required under CI=true.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readDicom } from '../../../src/io/dicom.ts';
import {
  FIXTURES_DIR,
  REFERENCE_DIR,
  firstSampleDifference,
  pythonHas,
  runReferenceScript,
  sha256OfFloat32,
  type ReferenceImage,
} from '../../reference/dicom-nifti-check.ts';
import { requires, toolkit } from '../../helpers/requires.ts';

interface ReferenceFile {
  readonly transferSyntax: string;
  readonly frames: readonly ReferenceImage[];
}
interface Reference {
  readonly files: Readonly<Record<string, ReferenceFile>>;
}

const committed = JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'dicom-reference.json'), 'utf8')) as Reference;

async function expectMatches(reference: Reference, label: string): Promise<void> {
  for (const [name, expected] of Object.entries(reference.files)) {
    const images = await readDicom(path.join(FIXTURES_DIR, 'dicom', name));
    assert.is(images.length, expected.frames.length, `${label} ${name}: frame count`);
    images.forEach((image, i) => {
      const ref = expected.frames[i];
      assert.equal([...image.shape], ref.shape, `${label} ${name} frame ${i}: shape`);
      assert.is(image.meta.transferSyntax, expected.transferSyntax, `${label} ${name}: transfer syntax`);
      const same = sha256OfFloat32(image.data) === ref.sha256;
      assert.ok(same, `${label} ${name} frame ${i} differs from the reference: ${same ? '' : firstSampleDifference(image.data, ref)}`);
    });
  }
}

const Reference = suite('readDicom = reference toolkit (GDCM + pydicom), value for value');

Reference('covers every transfer syntax the reader claims', () => {
  const syntaxes = new Set(Object.values(committed.files).map((f) => f.transferSyntax));
  for (const uid of [
    '1.2.840.10008.1.2',
    '1.2.840.10008.1.2.1',
    '1.2.840.10008.1.2.1.99',
    '1.2.840.10008.1.2.2',
    '1.2.840.10008.1.2.5',
    '1.2.840.10008.1.2.4.50',
    '1.2.840.10008.1.2.4.51',
    '1.2.840.10008.1.2.4.70',
    '1.2.840.10008.1.2.4.80',
    '1.2.840.10008.1.2.4.90',
    '1.2.840.10008.1.2.4.91',
  ]) {
    assert.ok(syntaxes.has(uid), `no reference fixture for ${uid}`);
  }
});

Reference('committed reference values (tests/reference/dicom-reference.json)', async () => {
  await expectMatches(committed, 'committed');
});

requires(Reference, toolkit(['pydicom', 'numpy', 'gdcm'], 'python3-pydicom python3-numpy python3-gdcm libgdcm-tools', ['gdcmconv']))('live: rerun dicom_reference.py with the installed toolkits', async () => {
  await expectMatches(runReferenceScript('dicom_reference.py') as Reference, 'live');
});

Reference.run();
