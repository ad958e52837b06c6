// Patient names and IDs never leave the DICOM files (issue 6, item 5): a CT data set whose
// PatientName / PatientID are distinctive strings, including a truncated slice and an SR carrying the
// same identities, goes through the whole pipeline in this process and through the CLI as a child
// process. No file under the cache or output folders, no run event, no CLI output line, no error or
// skip reason may contain any of them. (File paths the user chose may appear; the generated file
// names carry only ordinals.)
import { suite } from 'uvu';
import { requires, sklearn } from '../helpers/requires.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCtDataset, type CtDataset } from '../helpers/dicom-ct-dataset.ts';
import { nonImage, SOP_CLASS } from '../helpers/dicom-writer.ts';
import { ENTRY_URL, findNeedles, loadMedpipe, runCli, runCollect, settled, type Medpipe } from '../helpers/dicom-run.ts';
import type { RunEvent } from '../../src/runtime/events.ts';
import type { ImageSet } from '../../src/data/image-set.ts';
import { createHmac } from 'node:crypto';
import { decodedCount, loadOutput, medpipeCli } from '../helpers/core.ts';

interface Ctx {
  dir: string;
  data: CtDataset;
  needles: string[];
  m: Medpipe;
  /** The events of the in-process runs, replayed through the dashboard below. */
  runs: RunEvent[][];
}

const Privacy = suite<Ctx>('privacy: patient names and IDs appear in no cache file, output, event or CLI line');

/** Relative paths of the bad files; they carry the identities of patients 0 and 1. */
const TRUNCATED = 'clear/p00_s9.dcm';
const REPORT = 'nodule/p01_report.dcm';

Privacy.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-privacy-'));
  ctx.data = await makeCtDataset(path.join(ctx.dir, 'data'), {
    patients: 8,
    slices: 2,
    size: 24,
    identity: (k) => ({ name: `Doe^Jane-SECRET-${k}`, id: `PID-SECRET-${123 + k}` }),
  });
  const root = ctx.data.root;
  const [p0, p1] = ctx.data.patients;
  const whole = await readFile(path.join(root, p0!.files[0]!));
  await writeFile(path.join(root, TRUNCATED), whole.subarray(0, whole.length - 200));
  await writeFile(
    path.join(root, REPORT),
    nonImage({ sopClass: SOP_CLASS.basicTextSr, modality: 'SR', patientName: p1!.name, patientId: p1!.id, ids: { study: 1001, instance: 7 } }),
  );
  // Whole identities, the name without its suffix, and the marker shared by all of them.
  ctx.needles = ['SECRET', 'Doe^Jane', ...ctx.data.patients.flatMap((p) => [p.name, p.id])];
  ctx.runs = [];
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
});

Privacy.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

function pipelineSource(name: string, onBadFile: 'skip' | 'fail'): string {
  return `import { pipeline, ingest, normalize, split, build, fit, evaluate } from '${ENTRY_URL}';

export default pipeline('${name}', { seed: 3 })
  .stage(ingest.folder({ root: 'data', size: [24, 24], channels: 1, onBadFile: '${onBadFile}' }))
  .stage(normalize({ method: 'window', windows: ['lung', 'mediastinum', 'bone'] }))
  .stage(split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }))
  .stage(build.tutorialCnn({ filters: [2, 2] }))
  .stage(fit({ epochs: 1, batchSize: 8 }))
  .stage(evaluate({ png: false }));
`;
}

function eventTexts(events: readonly RunEvent[], label: string): Record<string, string> {
  return Object.fromEntries(events.map((e, i) => [`${label} event ${i} (${e.type})`, JSON.stringify(e)]));
}

Privacy('the search finds the identities where they are (the DICOM files), so a clean result means something', async ({ data, needles }) => {
  const hits = await findNeedles(needles, { dirs: [data.root] });
  for (const patient of data.patients) {
    assert.ok(
      hits.some((h) => h.endsWith(`: ${patient.id}`)),
      `PatientID of patient ${patient.index} found in the data`,
    );
    assert.ok(
      hits.some((h) => h.endsWith(`: ${patient.name}`)),
      `PatientName of patient ${patient.index} found in the data`,
    );
  }
  assert.ok(hits.some((h) => h.includes(TRUNCATED)) && hits.some((h) => h.includes(REPORT)), 'the bad files carry identities too');
});

Privacy('in process: a run that skips the bad files leaves no identity in cache, outputs, events or skip reasons', async ({ dir, m, needles, runs }) => {
  const ctx_runs = (events: readonly RunEvent[]) => runs.push([...events]);
  const cacheDir = path.join(dir, 'cache');
  const outDir = path.join(dir, 'out');
  const p = m
    .pipeline('privacy', { seed: 3 })
    .stage(m.ingest.folder({ root: path.join(dir, 'data'), size: [24, 24], channels: 1, onBadFile: 'skip' }))
    .stage(m.normalize({ method: 'window', windows: ['lung', 'mediastinum', 'bone'] }))
    .stage(m.split({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }))
    .stage(m.build.tutorialCnn({ filters: [2, 2] }))
    .stage(m.fit({ epochs: 1, batchSize: 8 }))
    .stage(m.evaluate({ png: false }));
  const { done, events } = await runCollect(p, { cacheDir, outDir });
  ctx_runs(events);
  assert.ok(done.ok, JSON.stringify(done.error));
  // The run did see the bad files and wrote reasons for them, so the reasons were checked too.
  const skipped = JSON.parse(await readFile(path.join(outDir, 'skipped-files.json'), 'utf8')) as { file: string; reason: string }[];
  assert.equal(skipped.map((s) => s.file).sort(), [TRUNCATED, REPORT].sort());
  const hits = await findNeedles(needles, { dirs: [cacheDir, outDir], texts: eventTexts(events, 'run') });
  assert.equal(hits, []);
});

Privacy('in process: the error of a run that fails on a bad file carries no identity', async ({ dir, m, needles, runs }) => {
  const ctx_runs = (events: readonly RunEvent[]) => runs.push([...events]);
  for (const bad of [TRUNCATED, REPORT]) {
    const root = path.join(dir, 'data');
    const p = m
      .pipeline('privacy-fail')
      .stage(m.ingest.folder({ root, size: [24, 24], channels: 1, onBadFile: 'fail', extensions: ['dcm'] }))
      .stage(m.normalize({ method: 'window', windows: ['lung'] }));
    // Only the one bad file among the good ones: the other is hidden behind a different extension.
    const other = path.join(root, bad === TRUNCATED ? REPORT : TRUNCATED);
    const hidden = `${other}.hidden`;
    await rename(other, hidden);
    try {
      const { done, events } = await runCollect(p, { cacheDir: path.join(dir, 'cache-fail'), outDir: path.join(dir, 'out-fail') });
      ctx_runs(events);
      assert.is(done.ok, false);
      assert.is(done.error?.file, path.join(root, bad));
      await settled(path.join(dir, 'cache-fail'));
      const hits = await findNeedles(needles, {
        dirs: [path.join(dir, 'cache-fail')],
        texts: { ...eventTexts(events, bad), error: JSON.stringify(done.error) },
      });
      assert.equal(hits, []);
    } finally {
      await rename(hidden, other);
    }
  }
});

Privacy('CLI: `medpipe run` output (success and failure) and its cache and output folders carry no identity', async ({ dir, needles }) => {
  await writeFile(path.join(dir, 'privacy-skip.ts'), pipelineSource('privacy-cli', 'skip'));
  await writeFile(path.join(dir, 'privacy-failing.ts'), pipelineSource('privacy-cli-fail', 'fail'));
  const ok = await runCli(['run', 'privacy-skip.ts', '--plain', '--cache', 'cli-cache', '--out', 'cli-out'], dir);
  assert.is(ok.code, 0, ok.stderr + ok.stdout);
  // Non-vacuous: the output reports the skipped files (by path) and the finished run.
  assert.match(ok.stdout, /skipped 2 unreadable file/);
  assert.match(ok.stdout, /run done/);
  const status = await runCli(['status', 'privacy-skip.ts', '--cache', 'cli-cache'], dir);
  assert.is(status.code, 0, status.stderr);
  const failed = await runCli(['run', 'privacy-failing.ts', '--plain', '--cache', 'cli-cache', '--out', 'cli-out-fail'], dir);
  assert.is(failed.code, 1, failed.stderr + failed.stdout);
  const failText = failed.stdout + failed.stderr;
  assert.ok(failText.includes(TRUNCATED) || failText.includes(REPORT), `the failure names the file:\n${failText}`);
  const hits = await findNeedles(needles, {
    dirs: [path.join(dir, 'cli-cache'), path.join(dir, 'cli-out')],
    texts: { 'run stdout': ok.stdout, 'run stderr': ok.stderr, 'status output': status.stdout + status.stderr, 'failed run output': failText },
  });
  assert.equal(hits, []);
});

Privacy('the dashboard: every frame of those runs (success and failure) carries no identity', async ({ needles, runs }) => {
  const { render } = await import('ink-testing-library');
  const { createElement } = await import('react');
  const { DashboardView } = await import('../../src/dashboard/components/DashboardView.tsx');
  const { initialRunState, reduceRunEvent } = await import('../../src/dashboard/reducer.ts');
  assert.ok(runs.length >= 3, 'the in-process runs above recorded their events');
  const frames: Record<string, string> = {};
  runs.forEach((events, r) => {
    let state = initialRunState;
    events.forEach((event, i) => {
      state = reduceRunEvent(state, event);
      const { lastFrame, unmount } = render(createElement(DashboardView, { state }));
      frames[`run ${r} frame ${i} (${event.type})`] = lastFrame() ?? '';
      unmount();
    });
  });
  const all = Object.values(frames).join('\n');
  // Non-vacuous: the frames show the finished run, and the failure naming the bad file's path.
  assert.match(all, /failed/);
  assert.ok(all.includes('p00_s9.dcm') || all.includes('p01_report.dcm'), 'a failure frame names the bad file');
  assert.equal(await findNeedles(needles, { texts: frames }), []);
});

Privacy('MEDPIPE_DEBUG=1: the stack traces printed for a failing run carry no identity', async ({ dir, needles }) => {
  await writeFile(path.join(dir, 'privacy-debug.ts'), pipelineSource('privacy-debug', 'fail'));
  const failed = await medpipeCli(['run', 'privacy-debug.ts', '--plain', '--cache', 'debug-cache', '--out', 'debug-out'], {
    cwd: dir,
    env: { MEDPIPE_DEBUG: '1' },
  });
  assert.is(failed.code, 1, failed.stdout + failed.stderr);
  const text = failed.stdout + failed.stderr;
  assert.match(text, /Stack: \w*Error: .* \| +at /, `the failure line carries a stack trace:\n${text}`);
  // A command-level failure prints its stack on stderr (status of the same pipeline on a missing cache folder works; an invalid --seed does not).
  const status = await medpipeCli(['status', 'privacy-debug.ts', '--seed', 'x'], { cwd: dir, env: { MEDPIPE_DEBUG: '1' } });
  assert.match(status.stderr, /\n\s+at /, 'MEDPIPE_DEBUG prints the stack of a command error');
  assert.equal(await findNeedles(needles, { texts: { 'run output': text, 'status output': status.stdout + status.stderr } }), []);
});

Privacy('MEDPIPE_GROUP_SALT: group keys are HMAC-SHA256(salt, PatientID); a new salt re-decodes and changes every key', async ({ dir, m, data }) => {
  const root = path.join(dir, 'data');
  const p = m.pipeline('salted').stage(m.ingest.folder({ root, size: [24, 24], channels: 1, onBadFile: 'skip' }));
  const cacheDir = path.join(dir, 'cache-salt');
  const keysWith = async (salt: string | undefined): Promise<{ groups: Map<string, string>; decoded: number | undefined }> => {
    const before = process.env.MEDPIPE_GROUP_SALT;
    if (salt === undefined) delete process.env.MEDPIPE_GROUP_SALT;
    else process.env.MEDPIPE_GROUP_SALT = salt;
    try {
      const { done, events } = await runCollect(p, { cacheDir, outDir: path.join(dir, 'out-salt') });
      assert.ok(done.ok, JSON.stringify(done.error));
      const set = await loadOutput<ImageSet>(cacheDir, 'salted', 'ingest');
      return { groups: new Map(set.samples.map((s) => [s.file, s.group ?? ''])), decoded: decodedCount(events) };
    } finally {
      if (before === undefined) delete process.env.MEDPIPE_GROUP_SALT;
      else process.env.MEDPIPE_GROUP_SALT = before;
    }
  };
  const hmac = (salt: string, id: string) => createHmac('sha256', salt).update(id, 'utf8').digest('hex').slice(0, 16);
  const plain = await keysWith(undefined);
  const secret = await keysWith('project-secret-42');
  assert.ok((secret.decoded ?? 0) > 0, 'a new salt decodes the files again (the cached keys were made with the old one)');
  // A third salt: status says ingest is stale because the salt changed (named by hash, never shown).
  process.env.MEDPIPE_GROUP_SALT = 'another-secret';
  try {
    const status = await (await import('../../src/runtime/run.ts')).pipelineStatus(p, { cacheDir });
    assert.is(status[0]!.state, 'stale', 'entries made with other salts do not match');
    assert.match(JSON.stringify(status[0]!.reasons), /groupSalt [0-9a-f]{16} → [0-9a-f]{16}/, 'status names the salt (by hash) as what changed');
    assert.not.match(JSON.stringify(status[0]!.reasons), /secret/);
  } finally {
    delete process.env.MEDPIPE_GROUP_SALT;
  }
  let checked = 0;
  for (const [file, patient] of data.patientOf) {
    if (!plain.groups.has(file)) continue;
    assert.is(plain.groups.get(file), hmac('medpipe-group-key-v1', patient.id), `${file}: default salt`);
    assert.is(secret.groups.get(file), hmac('project-secret-42', patient.id), `${file}: project salt`);
    checked++;
  }
  assert.ok(checked >= 8, `checked ${checked} files`);
});

requires(Privacy, sklearn())('privacy run: metrics.json and validation-metrics.json recomputed by scikit-learn from the predictions', async ({ dir }) => {
  for (const out of ['out']) assertEvaluationMatchesSklearn(path.join(dir, out));
});

Privacy.run();
