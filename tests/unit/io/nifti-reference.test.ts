/**
 * readNifti against nibabel, value for value (SHA-256 of the float32 slices). The committed
 * tests/reference/nifti-reference.json always runs; rerunning tests/reference/nifti_reference.py
 * needs Debian's python3-nibabel and python3-numpy, and is required under CI=true.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readNifti, type NiftiReadOptions } from '../../../src/io/nifti.ts';
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

interface ReferenceCase {
  readonly file: string;
  readonly axis: 0 | 1 | 2;
  readonly slices: NiftiReadOptions['slices'];
  readonly volumes: 'all' | number;
  readonly images: readonly (ReferenceImage & { slice: number; volume: number })[];
}
interface Reference {
  readonly cases: Readonly<Record<string, ReferenceCase>>;
}

const committed = JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'nifti-reference.json'), 'utf8')) as Reference;

async function expectMatches(reference: Reference, label: string): Promise<void> {
  for (const [name, c] of Object.entries(reference.cases)) {
    const images = await readNifti(path.join(FIXTURES_DIR, 'nifti', c.file), { axis: c.axis, slices: c.slices, volumes: c.volumes });
    assert.is(images.length, c.images.length, `${label} ${name}: slice count`);
    images.forEach((image, i) => {
      const ref = c.images[i];
      assert.equal([image.meta.volume, image.meta.slice], [ref.volume, ref.slice], `${label} ${name} #${i}: which slice`);
      assert.equal([...image.shape], ref.shape, `${label} ${name} #${i}: shape`);
      const same = sha256OfFloat32(image.data) === ref.sha256;
      assert.ok(same, `${label} ${name} #${i} differs from nibabel: ${same ? '' : firstSampleDifference(image.data, ref)}`);
    });
  }
}

const Reference = suite('readNifti = nibabel, value for value');

Reference('committed reference values (tests/reference/nifti-reference.json)', async () => {
  assert.ok(Object.keys(committed.cases).length >= 9);
  await expectMatches(committed, 'committed');
});

requires(Reference, toolkit(['nibabel', 'numpy'], 'python3-nibabel python3-numpy'))('live: rerun nifti_reference.py with nibabel', async () => {
  await expectMatches(runReferenceScript('nifti_reference.py') as Reference, 'live');
});

Reference.run();
