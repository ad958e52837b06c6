// A CT pipeline with a lung window trains end to end on DICOM input (issue 6): synthetic chest CT
// written as real DICOM at test time (8 patients × 4 slices, signed pixels, two rescale
// conventions), ingest.folder → normalize(window: lung, mediastinum, bone) → split by the patient
// key from the DICOM header → tiny CNN → fit → evaluate.
import { pixelsOf } from '../helpers/core.ts';
import { suite } from 'uvu';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';
import { requires, sklearn, toolkit } from '../helpers/requires.ts';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCtDataset, type CtDataset } from '../helpers/dicom-ct-dataset.ts';
import { imageSetOf, loadMedpipe, runCollect, splitSetOf, type Medpipe } from '../helpers/dicom-run.ts';
import { PYTHON, pythonHas } from '../reference/dicom-nifti-check.ts';

interface Ctx {
  dir: string;
  data: CtDataset;
  m: Medpipe;
}

const CT = suite<Ctx>('CT pipeline on DICOM (synthetic patients, lung window, patient-grouped split)');
const SIZE: [number, number] = [32, 32];
const WINDOWS = ['lung', 'mediastinum', 'bone'] as const;

CT.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-ct-'));
  ctx.data = await makeCtDataset(path.join(ctx.dir, 'data'), { patients: 8, slices: 4, size: 48 });
});

CT.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

function ctPipeline(m: Medpipe, root: string, byGroup = true) {
  return m
    .pipeline('ct-lung', { seed: 11 })
    .stage(m.ingest.folder({ root, size: SIZE, channels: 1 }))
    .stage(m.normalize({ method: 'window', windows: WINDOWS }))
    .stage(m.split({ byGroup }));
}

requires(CT, toolkit(['pydicom', 'numpy'], 'python3-pydicom python3-numpy'))(
  'the generated files are DICOM that pydicom reads to the same HU and identities',
  async ({ data }) => {
    // One file per scanner convention (A: slope 1 / intercept 0, B: slope 0.5 / intercept −24).
    const files = [data.patients[0]!.files[0]!, data.patients[1]!.files[2]!];
    const script = `
import json, sys, pydicom, numpy as np
out = []
for f in sys.argv[1:]:
    d = pydicom.dcmread(f)
    hu = d.pixel_array.astype(np.float64) * float(d.RescaleSlope) + float(d.RescaleIntercept)
    out.append({"id": str(d.PatientID), "name": str(d.PatientName), "signed": int(d.PixelRepresentation),
                "slope": float(d.RescaleSlope), "modality": d.Modality, "syntax": str(d.file_meta.TransferSyntaxUID),
                "hu": hu.astype(int).ravel().tolist(), "min_stored": int(d.pixel_array.min())})
print(json.dumps(out))
`;
    const run = spawnSync(PYTHON, ['-c', script, ...files.map((f) => path.join(data.root, f))], { encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.is(run.status, 0, run.stderr);
    const read = JSON.parse(run.stdout) as {
      id: string;
      name: string;
      signed: number;
      slope: number;
      modality: string;
      syntax: string;
      hu: number[];
      min_stored: number;
    }[];
    read.forEach((r, i) => {
      const patient = data.patientOf.get(files[i]!)!;
      assert.is(r.id, patient.id);
      assert.is(r.name, patient.name);
      assert.is(r.signed, 1);
      assert.is(r.modality, 'CT');
      assert.is(r.syntax, '1.2.840.10008.1.2.1');
      assert.ok(r.min_stored < 0, 'signed pixels with negative stored values');
      assert.equal(r.hu, Array.from(data.hu.get(files[i]!)!));
    });
    assert.equal(
      read.map((r) => r.slope),
      [1, 0.5],
    );
  },
);

CT('readImage gives the HU that were written, for both rescale conventions', async ({ data, m }) => {
  for (const patient of data.patients.slice(0, 2)) {
    const file = patient.files[1]!;
    const image = await m.readImage(path.join(data.root, file));
    assert.equal(image.shape, [48, 48, 1]);
    assert.equal(Array.from(image.data), Array.from(data.hu.get(file)!));
    assert.is(image.meta.modality, 'CT');
  }
});

CT('trains end to end: 3 window channels, no patient in two splits, leak audit clean', async ({ dir, data, m }) => {
  const cacheDir = path.join(dir, 'cache');
  const outDir = path.join(dir, 'out');
  const p = ctPipeline(m, data.root)
    .stage(m.build.tutorialCnn({ filters: [4, 4] }))
    .stage(m.fit({ epochs: 2, batchSize: 8 }))
    // The threshold is chosen on the validation split (checked against scikit-learn below).
    .stage(m.evaluate({ png: false, threshold: { sensitivity: 0.9 } }));
  const { done, events } = await runCollect(p, { cacheDir, outDir });
  assert.ok(done.ok, JSON.stringify(done.error));

  // Ingest kept real HU (not 0..65535, not 8-bit), and windowing stacked the three windows as channels.
  const ingested = await imageSetOf(cacheDir, 'ct-lung', 'ingest');
  const windowed = await imageSetOf(cacheDir, 'ct-lung', 'normalize');
  assert.is(ingested.samples.length, 32);
  assert.equal(ingested.shape, [32, 32, 1]);
  assert.equal(windowed.shape, [32, 32, 3]);
  let lo = Infinity;
  let hi = -Infinity;
  const ingestedPixels = await pixelsOf(ingested);
  const windowedPixels = await pixelsOf(windowed);
  for (const v of ingestedPixels) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  assert.ok(lo < -950 && lo > -1100 && hi > 600 && hi < 900, `HU range ${lo}..${hi}`);
  const presets = WINDOWS.map((w) => m.WINDOW_PRESETS[w]);
  for (const k of [0, 1000, 31 * 1024 + 517]) {
    presets.forEach(({ center, width }, c) => {
      const expected = Math.min(1, Math.max(0, (ingestedPixels[k]! - center) / width + 0.5));
      assert.ok(Math.abs(windowedPixels[k * 3 + c]! - expected) < 1e-5, `value ${k}, channel ${c}: ${windowedPixels[k * 3 + c]} vs ${expected}`);
    });
  }

  // Group keys came from the DICOM PatientID as salted hashes, and each patient sits in one split.
  const { saltedHash } = await import('../../src/io/privacy.ts');
  const splits = await splitSetOf(cacheDir, 'ct-lung');
  const splitOfPatient = new Map<number, Set<string>>();
  for (const name of ['train', 'val', 'test'] as const) {
    assert.ok(splits[name].samples.length > 0, `${name} is empty`);
    for (const sample of splits[name].samples) {
      const patient = data.patientOf.get(sample.file)!;
      assert.ok(patient, `unknown file ${sample.file}`);
      assert.is(sample.group, saltedHash(patient.id), `group of ${sample.file}`);
      splitOfPatient.set(patient.index, (splitOfPatient.get(patient.index) ?? new Set()).add(name));
    }
  }
  assert.is(splitOfPatient.size, 8);
  for (const [patient, names] of splitOfPatient) assert.is(names.size, 1, `patient ${patient} is in ${[...names].join(' and ')}`);
  assert.is(splits.audit.sharedGroups, 0);
  assert.is(splits.audit.duplicateContent, 0);
  assert.not.ok(events.some((e) => e.type === 'log' && e.message.startsWith('leak audit')));

  // It trained (two epochs) and evaluated the held-out patients.
  assert.is(events.filter((e) => e.type === 'epoch').length, 2);
  const metrics = JSON.parse(await readFile(path.join(outDir, 'metrics.json'), 'utf8')) as { auc: number };
  assert.type(metrics.auc, 'number');
  const predictions = await readFile(path.join(outDir, 'predictions.csv'), 'utf8');
  for (const sample of splits.test.samples) assert.ok(predictions.includes(sample.id), `${sample.id} not in predictions.csv`);
  assert.ok(existsSync(path.join(outDir, 'model', 'model.json')));
});

CT('the audit is not vacuous: splitting slices without groups puts patients in several splits and reports it', async ({ dir, data, m }) => {
  const cacheDir = path.join(dir, 'cache');
  const { done, events } = await runCollect(ctPipeline(m, data.root, false), { cacheDir, outDir: path.join(dir, 'out-nogroup') });
  assert.ok(done.ok, JSON.stringify(done.error));
  assert.ok(
    events.some((e) => e.type === 'stage-cached' && e.stage === 'ingest'),
    'ingest comes from the cache',
  );
  const splits = await splitSetOf(cacheDir, 'ct-lung');
  assert.ok(splits.audit.sharedGroups > 0, `sharedGroups ${splits.audit.sharedGroups}`);
  assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && /leak audit: .*group\(s\) in more than one split/.test(e.message)));
});

requires(CT, sklearn())(
  'CT, threshold chosen on validation for sensitivity 0.9: metrics.json and validation-metrics.json recomputed by scikit-learn from the predictions',
  async ({ dir }) => {
    for (const out of ['out']) assertEvaluationMatchesSklearn(path.join(dir, out));
  },
);

CT.run();
