// Bad input in a DICOM folder (issue 6, item 6): a truncated file, an RTSTRUCT and an SR among good
// CT slices. onBadFile 'fail' stops with an error naming the file and what is wrong; 'skip' finishes
// the run and lists each skipped file with its reason in out/skipped-files.json.
import { suite } from 'uvu';
import { requires, sklearn } from '../helpers/requires.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCtDataset } from '../helpers/dicom-ct-dataset.ts';
import { loadMedpipe, runCollect, type Medpipe } from '../helpers/dicom-run.ts';
import { FIXTURES_DIR } from '../reference/dicom-nifti-check.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

/** The bad files, where they go in the class folders, and what the message must say. */
const BAD = {
  truncated: { rel: 'clear/p90_s0.dcm', reason: /truncated/i },
  rtstruct: { rel: 'nodule/structures.dcm', reason: /no Pixel Data.*RT Structure Set \(RTSTRUCT\)/ },
  sr: { rel: 'nodule/report.dcm', reason: /no Pixel Data.*Structured Report \(SR\)/ },
} as const;
type BadKind = keyof typeof BAD;

const Bad = suite<Ctx>('DICOM folders with bad files (onBadFile fail / skip)');

Bad.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-ct-bad-'));
});

Bad.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

/** Good slices (8 patients × 2) plus the chosen bad files, in a fresh folder. */
async function folderWith(dir: string, name: string, kinds: readonly BadKind[]): Promise<string> {
  const root = path.join(dir, name);
  const data = await makeCtDataset(root, { patients: 8, slices: 2, size: 24 });
  for (const kind of kinds) {
    const to = path.join(root, BAD[kind].rel);
    await mkdir(path.dirname(to), { recursive: true });
    if (kind === 'truncated') {
      // A complete slice cut short inside its Pixel Data, as an interrupted copy leaves it.
      const whole = await readFile(path.join(root, data.patients[0]!.files[0]!));
      await writeFile(to, whole.subarray(0, whole.length - 300));
    } else {
      await copyFile(path.join(FIXTURES_DIR, 'dicom', kind === 'sr' ? 'test-SR.dcm' : 'rtstruct.dcm'), to);
    }
  }
  return root;
}

for (const kind of Object.keys(BAD) as BadKind[]) {
  Bad(`onBadFile 'fail': the ${kind} file stops the run with an error naming it and what is wrong`, async ({ dir, m }) => {
    const root = await folderWith(dir, `fail-${kind}`, [kind]);
    const p = m
      .pipeline(`bad-${kind}`)
      .stage(m.ingest.folder({ root, size: [24, 24], channels: 1, onBadFile: 'fail' }))
      .stage(m.normalize({ method: 'window', windows: ['lung'] }));
    const { done, events } = await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, `out-fail-${kind}`) });
    assert.is(done.ok, false);
    const error = done.error!;
    const file = path.join(root, BAD[kind].rel);
    assert.is(error.code, 'BAD_FILE');
    assert.is(error.file, file);
    assert.ok(error.message.includes(file), error.message);
    assert.match(error.message, BAD[kind].reason);
    assert.ok(error.fix && error.fix.length > 10, `a fix: ${error.fix}`);
    const failed = events.find((e) => e.type === 'stage-failed');
    assert.ok(failed && failed.type === 'stage-failed' && failed.stage === 'ingest', 'the ingest stage failed');
  });
}

Bad(`onBadFile 'skip': the run trains to the end and out/skipped-files.json lists each bad file with its reason`, async ({ dir, m }) => {
  const root = await folderWith(dir, 'skip', ['truncated', 'rtstruct', 'sr']);
  const outDir = path.join(dir, 'out-skip');
  const p = m
    .pipeline('bad-skip', { seed: 5 })
    .stage(m.ingest.folder({ root, size: [24, 24], channels: 1, onBadFile: 'skip' }))
    .stage(m.normalize({ method: 'window', windows: ['lung', 'mediastinum', 'bone'] }))
    .stage(m.split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }))
    .stage(m.build.tutorialCnn({ filters: [2, 2] }))
    .stage(m.fit({ epochs: 1, batchSize: 8 }))
    .stage(m.evaluate({ png: false }));
  const { done, events } = await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir });
  assert.ok(done.ok, JSON.stringify(done.error));
  const skipped = JSON.parse(await readFile(path.join(outDir, 'skipped-files.json'), 'utf8')) as { file: string; reason: string }[];
  assert.equal(
    skipped.map((s) => s.file).sort(),
    Object.values(BAD)
      .map((b) => b.rel)
      .sort(),
  );
  for (const { rel, reason } of Object.values(BAD)) {
    const entry = skipped.find((s) => s.file === rel)!;
    assert.match(entry.reason, reason);
  }
  const ingestDone = events.find((e) => e.type === 'stage-done' && e.stage === 'ingest');
  assert.ok(ingestDone?.type === 'stage-done' && /^16 images .*3 skipped/.test(ingestDone.summary ?? ''), JSON.stringify(ingestDone));
  assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && /skipped 3 unreadable file/.test(e.message)));
  assert.ok(events.some((e) => e.type === 'stage-done' && e.stage === 'evaluate'));
});

requires(Bad, sklearn())(
  'a run that skipped bad files: metrics.json and validation-metrics.json recomputed by scikit-learn from the predictions',
  async ({ dir }) => {
    for (const out of ['out-skip']) assertEvaluationMatchesSklearn(path.join(dir, out));
  },
);

Bad.run();
