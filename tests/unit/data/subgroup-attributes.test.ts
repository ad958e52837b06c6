// Subgroup metadata: which CSV columns become attributes (identifying-looking ones never), the
// source folder, DICOM sex / age band / manufacturer / view against pydicom's reading of the
// fixtures, and a CSV pipeline whose metrics.json-side subgroups.json has them with counts.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { csvAttributes, sourceFolder } from '../../../src/data/attributes.ts';
import { ageBand, dicomAttributes } from '../../../src/data/dicom-attributes.ts';
import type { ImageSet } from '../../../src/data/image-set.ts';
import { assertOk, loadMedpipe, loadOutput, logsOf, prng, removeDir, runCollect, tempDir, writeGreyPng } from '../../helpers/core.ts';
import { FIXTURES } from '../../helpers/paths.ts';

const DICOM_FIXTURES = path.join(FIXTURES, 'dicom');

const A = suite('subgroup attributes');

A('CSV: extra columns kept, identifying-looking ones dropped, empty values left out', () => {
  const row = {
    path: 'a.png',
    label: 'b',
    group: 'g1',
    split: 'train',
    sex: 'F',
    site: '',
    scanner: 'X',
    patient_name: 'Doe',
    'Patient ID': '7',
    mrn: '1',
    dob: '1950',
    accession: 'A1',
    id: '3',
    study_uid: '9',
  };
  const { attributes, dropped } = csvAttributes(row);
  assert.equal(attributes, { sex: 'F', scanner: 'X' });
  assert.equal([...dropped].sort(), ['Patient ID', 'accession', 'dob', 'id', 'mrn', 'patient_name', 'study_uid']);
  assert.equal(csvAttributes({ path: 'a', label: 'b' }), { dropped: [] });
});

A('source folder: the first folder below the class folder', () => {
  assert.is(sourceFolder('pneumonia/site-b/x.png', 0), 'site-b');
  assert.is(sourceFolder('train/pneumonia/site-b/deeper/x.png', 1), 'site-b');
  assert.is(sourceFolder('train/pneumonia/x.png', 1), undefined);
});

A('DICOM: sex, 10-year age band (90+ pooled), manufacturer, view, body part, modality; no names or IDs', async () => {
  assert.equal(await dicomAttributes(path.join(DICOM_FIXTURES, 'CR_monochrome1.dcm')), {
    manufacturer: 'Agfa-Gevaert AG',
    view: 'LL',
    bodyPart: 'CSPINE',
    modality: 'CR',
    ageBand: '40-49',
  });
  assert.equal(await dicomAttributes(path.join(DICOM_FIXTURES, 'MR_small.dcm')), { sex: 'F', manufacturer: 'TOSHIBA_MEC', modality: 'MR' });
  assert.equal(await dicomAttributes(path.join(DICOM_FIXTURES, 'liver_1frame.dcm')), { sex: 'M', manufacturer: 'QIICR', modality: 'SEG', ageBand: '60-69' });
  assert.is(await dicomAttributes(path.join(DICOM_FIXTURES, 'rtstruct.dcm')), undefined, 'no preamble: nothing read');
  assert.equal(['045Y', '090Y', '104Y', '018M', '003W', '010D', 'x', undefined].map(ageBand), [
    '40-49',
    '90+',
    '90+',
    '0-9',
    '0-9',
    '0-9',
    undefined,
    undefined,
  ]);
});

interface Ctx {
  dir: string;
}
const P = suite<Ctx>('subgroups in a CSV pipeline');
P.before(async (ctx) => {
  ctx.dir = await tempDir('subgroups');
});
P.after(async (ctx) => {
  await removeDir(ctx.dir);
});

P('CSV columns reach subgroups.json with counts and a small-subgroup warning; names never', async (ctx) => {
  const m = await loadMedpipe();
  const rand = prng(5);
  const rows = ['path,label,split,sex,site,patient_name'];
  for (let i = 0; i < 160; i++) {
    const label = i % 2 ? 'b' : 'a';
    const split = i < 100 ? 'train' : i < 130 ? 'val' : 'test';
    const file = `img/${i}.png`;
    await writeGreyPng(path.join(ctx.dir, file), (label === 'b' ? 150 : 110) + Math.round((rand() - 0.5) * 50), i, 8);
    rows.push(`${file},${label},${split},${i % 4 < 2 ? 'F' : 'M'},${i >= 150 ? 'rare' : 'main'},Person ${i}`);
  }
  await writeFile(path.join(ctx.dir, 'data.csv'), rows.join('\n') + '\n');
  const p = m
    .pipeline('sub', { seed: 2 })
    .stage(m.ingest.csv({ csv: 'data.csv', size: [8, 8], channels: 1 }))
    .stage(m.normalize({ method: 'rescale' }))
    .stage(m.split())
    .stage(m.build.tutorialCnn({ filters: [2, 2], batchNormMomentum: 0.5 }))
    .stage(m.fit({ epochs: 3, batchSize: 16 }))
    .stage(m.evaluate({ png: false, gradCam: false, bootstrap: { resamples: 200 } }));
  const run = await runCollect(p, { cacheDir: path.join(ctx.dir, 'cache'), outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir });
  assertOk(run);
  assert.ok(logsOf(run.events, 'ingest').some((l) => /patient_name look like they identify patients/.test(l)));
  const sub = JSON.parse(await readFile(path.join(ctx.dir, 'out', 'subgroups.json'), 'utf8')) as {
    subgroups: { attribute: string; value: string; n: number; positives: number; negatives: number; warning?: string }[];
  };
  assert.equal(
    sub.subgroups.map((g) => `${g.attribute}=${g.value}:${g.n}`),
    ['sex=F:14', 'sex=M:16', 'site=main:20', 'site=rare:10'],
  );
  for (const g of sub.subgroups) assert.match(g.warning ?? '', /too small/, `${g.attribute}=${g.value} has under 30 images`);
  const everything = await Promise.all(
    ['subgroups.json', 'evaluation.json', 'metrics.json', 'report.html'].map((f) => readFile(path.join(ctx.dir, 'out', f), 'utf8')),
  );
  for (const text of everything) assert.not.match(text, /Person \d/, 'the name column never reaches an output');
  assert.match(everything[3]!, /site/);
});

P('DICOM attributes travel with the records: ingest.folder samples carry what the headers say', async (ctx) => {
  const m = await loadMedpipe();
  const root = path.join(ctx.dir, 'dicom');
  for (const [cls, name] of [
    ['a', 'CR_monochrome1.dcm'],
    ['b', 'MR_small.dcm'],
  ] as const) {
    await mkdir(path.join(root, cls), { recursive: true });
    await copyFile(path.join(DICOM_FIXTURES, name), path.join(root, cls, name));
  }
  const p = m.pipeline('dicom-sub', { seed: 1 }).stage(m.ingest.folder({ root: 'dicom', size: [8, 8], channels: 1 }));
  const cacheDir = path.join(ctx.dir, 'cache-dicom');
  assertOk(await runCollect(p, { cacheDir, outDir: path.join(ctx.dir, 'out-dicom'), baseDir: ctx.dir }));
  const set = await loadOutput<ImageSet>(cacheDir, 'dicom-sub', 'ingest');
  const byFile = Object.fromEntries(set.samples.map((s) => [path.basename(s.file), s.attributes]));
  assert.equal(byFile['CR_monochrome1.dcm'], await dicomAttributes(path.join(DICOM_FIXTURES, 'CR_monochrome1.dcm')));
  assert.equal(byFile['MR_small.dcm'], { sex: 'F', manufacturer: 'TOSHIBA_MEC', modality: 'MR' });
});

A.run();
P.run();
