// The run history (SQLite via better-sqlite3): rows round-trip, runs are named by number / latest /
// id prefix, `compare` finds config and metric differences and pairs test images, and concurrent
// writers (separate processes on one database) never lose a row.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareRuns } from '../../../src/history/compare.ts';
import { historyPath, openHistory } from '../../../src/history/database.ts';
import { listRuns, loadRun, resolveRun } from '../../../src/history/queries.ts';
import { insertRun, type RunRecord } from '../../../src/history/record.ts';
import { formatComparison } from '../../../src/cli/compare-command.ts';
import { evaluationFixture, TINY_PNG } from '../../helpers/evaluation-fixture.ts';
import { classEvaluationFixture, labelEvaluationFixture } from '../../helpers/class-evaluation-fixture.ts';
import { reportCommand } from '../../../src/cli/report-command.ts';
import { renderClassReportHtml } from '../../../src/report/html/class-report-html.ts';
import { readFile } from 'node:fs/promises';
import { sha256 } from '../../../src/base/canonical.ts';
import { removeDir, ROOT, tempDir } from '../../helpers/core.ts';
import { failure } from '../../helpers/expect-error.ts';

interface Ctx {
  dir: string;
  db: string;
}

const H = suite<Ctx>('run history');

H.before.each(async (ctx) => {
  ctx.dir = await tempDir('history');
  ctx.db = path.join(ctx.dir, 'runs', 'history.db');
});
H.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

function record(runId: string, seed: number, options: { epochs?: number; shift?: number } = {}): RunRecord {
  return {
    runId,
    pipeline: 'pneumonia',
    startedAt: '2026-01-02T03:04:05.000Z',
    ms: 61_000,
    ok: true,
    seed,
    backend: 'native',
    git: { commit: 'a'.repeat(40), dirty: seed === 7 },
    outDir: '/tmp/out/pneumonia',
    cacheHits: 0,
    stages: [
      { stage: 'split', kind: 'split', key: 'k-split', config: {}, cached: false, ms: 10 },
      { stage: 'fit', kind: 'fit', key: `k-fit-${seed}`, config: { epochs: options.epochs ?? 30, earlyStopping: { patience: 8 } }, cached: false, ms: 60_000 },
    ],
    files: ['/tmp/out/pneumonia/metrics.json'],
    evaluation: evaluationFixture({ seed, shift: options.shift }),
    images: { 'plots/gradcam/00_TP.png': TINY_PNG },
  };
}

H('the history lives beside the cache unless told otherwise', () => {
  const saved = process.env.MEDPIPE_HISTORY;
  delete process.env.MEDPIPE_HISTORY;
  try {
    assert.is(historyPath(undefined, '/work/p/cache'), '/work/p/runs/history.db');
    assert.is(historyPath('/x/h.db', '/work/p/cache'), '/x/h.db');
    assert.is(historyPath(false, '/work/p/cache'), undefined);
    process.env.MEDPIPE_HISTORY = 'off';
    assert.is(historyPath(undefined, '/work/p/cache'), undefined);
  } finally {
    if (saved === undefined) delete process.env.MEDPIPE_HISTORY;
    else process.env.MEDPIPE_HISTORY = saved;
  }
});

H('a run round-trips: stages with keys and configs, metrics with intervals, documents', async (ctx) => {
  const db = await openHistory(ctx.db);
  try {
    const number = insertRun(db, record('2026-01-02-aaa111', 42));
    assert.is(number, 1);
    const run = loadRun(db, number);
    assert.is(run.pipeline, 'pneumonia');
    assert.is(run.gitCommit, 'a'.repeat(40));
    assert.is(run.gitDirty, false);
    assert.equal(
      run.stages.map((s) => [s.stage, s.key]),
      [
        ['split', 'k-split'],
        ['fit', 'k-fit-42'],
      ],
    );
    assert.equal(run.stages[1]!.config, { earlyStopping: { patience: 8 }, epochs: 30 });
    const auc = run.evaluation!.clinical.intervals.auc;
    assert.equal(run.metrics.auc, { value: auc.estimate, lower: auc.bca!.lower, upper: auc.bca!.upper });
    assert.ok(run.metrics.brier && run.metrics.calibrationSlope && run.metrics.threshold);
    assert.equal(run.artifacts, ['metrics.json']);
    assert.is(run.images['plots/gradcam/00_TP.png'], TINY_PNG);
    assert.ok(
      run.evaluation!.predictions.every((p) => /^[0-9a-f]{20}$/.test(p.key)),
      'sample ids only as hashes',
    );
    assert.not.match(JSON.stringify(run.evaluation), /img\d+\.png|patient\d/, 'no file names or group keys in the stored document');
  } finally {
    db.close();
  }
});

H('a rerun that evaluated nothing new stores its documents once; older databases are migrated and still read', async (ctx) => {
  // A database of the first schema with one run in it, as an earlier medpipe left it.
  const db = await openHistory(ctx.db);
  db.exec('DROP TABLE bodies; ALTER TABLE documents DROP COLUMN body_hash;');
  db.pragma('user_version = 1');
  db.prepare("INSERT INTO runs (run_id, pipeline, started_at, ms, ok, seed) VALUES ('old', 'p', 'x', 1, 1, 1)").run();
  db.prepare("INSERT INTO documents (run_number, name, body) VALUES (1, 'images', ?)").run(JSON.stringify({ 'a.png': TINY_PNG }));
  db.close();
  const migrated = await openHistory(ctx.db);
  try {
    assert.equal(loadRun(migrated, 1).images, { 'a.png': TINY_PNG }, 'a document of the first schema is still read');
    const first = insertRun(migrated, record('2026-01-02-aaa111', 42));
    const again = insertRun(migrated, { ...record('2026-01-02-bbb222', 42), evaluationJson: JSON.stringify(record('x', 42).evaluation, null, 2) });
    const other = insertRun(migrated, record('2026-01-02-ccc333', 7));
    const same = insertRun(migrated, record('2026-01-02-ddd444', 42));
    // The caller's hash of the text (finishRun has it from reading evaluation.json) names the same body.
    const pretty = JSON.stringify(record('x', 42).evaluation, null, 2);
    const hashed = insertRun(migrated, { ...record('2026-01-02-eee555', 42), evaluationJson: pretty, evaluationSha256: sha256(pretty) });
    assert.equal(loadRun(migrated, hashed).evaluation, loadRun(migrated, first).evaluation);
    assert.equal(loadRun(migrated, same).evaluation, loadRun(migrated, first).evaluation);
    assert.equal(loadRun(migrated, again).evaluation, loadRun(migrated, first).evaluation, 'the same document, read back');
    assert.ok(loadRun(migrated, other).evaluation!.clinical.intervals.auc.estimate !== loadRun(migrated, first).evaluation!.clinical.intervals.auc.estimate);
    const count = (sql: string) => (migrated.prepare(sql).get() as { n: number }).n;
    // Five runs, three texts (the same document pretty-printed is another text): three bodies.
    assert.is(count("SELECT COUNT(*) AS n FROM documents WHERE name = 'evaluation'"), 5);
    assert.is(count('SELECT COUNT(*) AS n FROM bodies'), 3 + 1, 'three evaluation texts and one of pictures');
    assert.is(count(`SELECT COUNT(*) AS n FROM documents WHERE run_number = ${hashed} AND body_hash = '${sha256(pretty)}'`), 1);
    assert.is(count("SELECT COUNT(DISTINCT body_hash) AS n FROM documents WHERE name = 'images'"), 1, 'the same pictures of five runs: one body');
  } finally {
    migrated.close();
  }
});

H('medpipe report rebuilds K-class and multi-label reports from the history alone (class-evaluation kept with the run)', async (ctx) => {
  const documents = [classEvaluationFixture('ordinal'), labelEvaluationFixture()];
  const db = await openHistory(ctx.db);
  try {
    for (const [i, classEvaluation] of documents.entries()) {
      const { evaluation: _binary, images: _images, ...rest } = record(`2026-01-03-k${i}`, 42);
      insertRun(db, { ...rest, pipeline: classEvaluation.task, classEvaluation, images: { [classEvaluation.gradCam!.examples[0]!.file]: TINY_PNG } });
    }
  } finally {
    db.close();
  }
  const out = process.stdout.write;
  for (const [i, classEvaluation] of documents.entries()) {
    const file = path.join(ctx.dir, `report-${i + 1}.html`);
    process.stdout.write = () => true;
    try {
      assert.is(await reportCommand([String(i + 1), '--history', ctx.db, '--out', file]), 0);
    } finally {
      process.stdout.write = out;
    }
    const page = await readFile(file, 'utf8');
    const reader = await openHistory(ctx.db, { readonly: true });
    const stored = loadRun(reader, i + 1);
    reader.close();
    assert.equal(stored.classEvaluation, JSON.parse(JSON.stringify(classEvaluation)), `${classEvaluation.task}: the document round-trips`);
    assert.is(
      page,
      await renderClassReportHtml({ run: stored, evaluation: classEvaluation, images: stored.images }),
      `${classEvaluation.task}: the K-class page`,
    );
    for (const id of ['metrics', 'calibration', 'subgroups', 'gradcam'])
      assert.match(page, new RegExp(`<section id="${id}">`), `${classEvaluation.task}: ${id}`);
    const auc = classEvaluation.clinical.intervals.auc as { estimate: number };
    assert.match(page, new RegExp(`macro ROC AUC ${auc.estimate.toFixed(3)}`), `${classEvaluation.task}: the headline AUC`);
    assert.match(page, /data:image\/png;base64,/, `${classEvaluation.task}: the Grad-CAM picture from the history`);
    assert.match(page, new RegExp(`Run #${i + 1}|run #${i + 1}|#${i + 1}`), `${classEvaluation.task}: the run number`);
  }
});

H('runs are named by number, latest (of a pipeline) or an id prefix; unknown names fail with a fix', async (ctx) => {
  const db = await openHistory(ctx.db);
  try {
    insertRun(db, record('2026-01-02-aaa111', 42));
    insertRun(db, { ...record('2026-01-02-bbb222', 7), pipeline: 'retina' });
    assert.is(resolveRun(db, '2'), 2);
    assert.is(resolveRun(db, 'latest'), 2);
    assert.is(resolveRun(db, 'latest:pneumonia'), 1);
    assert.is(resolveRun(db, '2026-01-02-bbb'), 2);
    assert.equal(
      listRuns(db, 'retina').map((r) => r.number),
      [2],
    );
    for (const ref of ['9', '2026-01-02', 'nope', 'latest:x']) {
      const error = await failure(async () => resolveRun(db, ref));
      assert.is(error.code, 'DATA_NOT_FOUND');
      assert.match(error.fix!, /medpipe runs/);
    }
  } finally {
    db.close();
  }
});

H('compare: config and run differences, metric differences, paired AUC with bootstrap CI and DeLong', async (ctx) => {
  const db = await openHistory(ctx.db);
  try {
    insertRun(db, record('r-a', 42));
    insertRun(db, record('r-b', 7, { epochs: 20, shift: 2.4 }));
    const c = compareRuns(loadRun(db, 1), loadRun(db, 2), { resamples: 500 });
    assert.equal(
      c.config.map((d) => `${d.stage}.${d.field}`),
      ['fit.epochs'],
    );
    assert.equal(c.config[0]!.a, 30);
    assert.equal(c.run.map((d) => d.field).sort(), ['gitDirty', 'seed']);
    const auc = c.metrics.find((m) => m.name === 'auc')!;
    assert.ok(Math.abs(auc.difference! - (auc.b! - auc.a!)) < 1e-15);
    const p = c.pairedAuc!;
    assert.is(p.paired, 160);
    assert.ok(Math.abs(p.bootstrap.estimate - auc.difference!) < 1e-12, 'the paired estimate is the AUC difference');
    assert.ok(Math.abs(p.delong.difference - auc.difference!) < 1e-12, 'DeLong tests the same difference (b − a)');
    assert.ok(p.bootstrap.percentile.lower < p.bootstrap.estimate && p.bootstrap.estimate < p.bootstrap.percentile.upper);
    assert.ok(p.delong.p > 0 && p.delong.p < 1);
    const text = formatComparison(c);
    assert.match(text, /fit\.epochs: 30 -> 20/);
    assert.match(text, /ROC AUC difference \(#2 - #1\): [+-]0\.\d{4}/);
    assert.match(text, /95% CI [+-]0\.\d{4} to [+-]0\.\d{4} \(BCa\)/);
    assert.match(text, /DeLong's paired test: z = -?\d+\.\d{3}, two-sided p = /);
    const same = compareRuns(loadRun(db, 1), loadRun(db, 1), { resamples: 200 });
    assert.is(same.pairedAuc!.delong.p, 1);
    assert.is(same.pairedAuc!.bootstrap.estimate, 0);
    assert.match(formatComparison(same), /nothing: same configs/);
  } finally {
    db.close();
  }
});

H('concurrent writers in separate processes never lose a row', async (ctx) => {
  const writers = 4;
  const each = 15;
  const script = path.join(ROOT, 'tests', 'helpers', 'history-writer.ts');
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  // All start on a database that does not exist yet: creating the schema races too.
  const exits = await Promise.all(
    Array.from(
      { length: writers },
      (_, w) =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          const child = spawn(process.execPath, [tsx, script, ctx.db, String(w), String(each)], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (d) => (err += d));
          child.on('close', (code) => resolve({ code, err }));
        }),
    ),
  );
  for (const e of exits) assert.is(e.code, 0, e.err);
  const db = await openHistory(ctx.db, { readonly: true });
  try {
    const runs = listRuns(db);
    assert.is(runs.length, writers * each);
    assert.is(new Set(runs.map((r) => r.runId)).size, writers * each);
    for (let w = 0; w < writers; w++) assert.is(listRuns(db, `writer-${w}`).length, each);
    assert.is((db.prepare('SELECT count(*) AS n FROM stages').get() as { n: number }).n, writers * each);
  } finally {
    db.close();
  }
});

H.run();
