// kill -9: the CLI is SIGKILLed during ingest, then again during fit; the next run exits 0,
// reuses every finished piece of work (finished shard jobs, finished stages), and produces exactly
// the metrics of an uninterrupted run with the same seed.
import { suite } from 'uvu';
import { requires, sklearn } from '../helpers/requires.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENTRY_URL, ROOT, makeClassFolders, medpipeCli, removeDir, tempDir, type CliResult } from '../helpers/core.ts';

interface Ctx {
  dir: string;
}

const Kill = suite<Ctx>('kill -9 during ingest and during fit, then run: work reused, same result');
const IMAGES_PER_CLASS = 120;

Kill.before(async (ctx) => {
  ctx.dir = await tempDir('kill');
  const files = await makeClassFolders(path.join(ctx.dir, 'data'), IMAGES_PER_CLASS, { classes: ['normal', 'pneumonia'], size: 24 });
  // Older than the stat cache's 2 s "racy" window, as real data is: a job that finished within 2 s of
  // the files being written does not remember their hashes, and the next run could reuse no job.
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const file of files) await utimes(file, hourAgo, hourAgo);
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  // Shard jobs of 8 files (MEDPIPE_SHARD_FILES below): ingest is caught between jobs.
  await writeFile(
    path.join(ctx.dir, 'pipeline.ts'),
    `import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from '${ENTRY_URL}';
export default pipeline('kill', { seed: 3 })
  .stage(ingest.folder({ root: 'data', size: [24, 24], channels: 1 }))
  .stage(normalize({ method: 'zscore' }))
  .stage(augment({ rotation: 5 }))
  .stage(split())
  .stage(build.tutorialCnn({ filters: [4, 4] }))
  .stage(fit({ epochs: 6, batchSize: 16, earlyStopping: false }))
  .stage(evaluate({ png: false }));
`,
  );
});
Kill.after(async (ctx) => {
  await removeDir(ctx.dir);
});

/** Shard jobs recorded as finished so far (a record cut short stays a .tmp-* file). */
function finishedJobs(cache: string): number {
  const root = path.join(cache, 'ingest-jobs');
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const prefix of readdirSync(root)) n += readdirSync(path.join(root, prefix)).filter((f) => !f.startsWith('.tmp-')).length;
  return n;
}

interface Killed {
  readonly stdout: string;
  readonly signal: NodeJS.Signals | null;
}

/** Starts `medpipe run`, SIGKILLs it as soon as `when` says so (checked on every poll and stdout chunk). */
function runAndKill(ctx: Ctx, args: string[], when: (stdout: string) => boolean): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin', 'medpipe.js'), 'run', 'pipeline.ts', ...args], {
      cwd: ctx.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...SMALL_JOBS },
    });
    let stdout = '';
    let killed = false;
    const check = () => {
      if (!killed && when(stdout)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const timer = setInterval(check, 5);
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      check();
    });
    child.stderr!.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ stdout, signal });
    });
  });
}

const show = (r: CliResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
const total = 2 * IMAGES_PER_CLASS;
/** Many small jobs, and one at a time (no worker threads): the kill lands between two of them. */
const SMALL_JOBS = { MEDPIPE_SHARD_FILES: '8', MEDPIPE_WORKERS: '0' };

Kill('SIGKILL mid-ingest, then mid-fit; the third run finishes from where they stopped and matches an uninterrupted run', async (ctx) => {
  const cache = path.join(ctx.dir, 'cache');
  const args = ['--cache', cache, '--out', path.join(ctx.dir, 'out')];

  // 1. Killed during ingest, once a few shard jobs have finished.
  const first = await runAndKill(ctx, args, () => finishedJobs(cache) >= 3);
  assert.is(first.signal, 'SIGKILL', first.stdout);
  const kept = finishedJobs(cache);
  assert.not.ok(existsSync(path.join(cache, 'index', 'kill', 'ingest.json')), 'ingest had not finished');

  // 2. Redoes only the jobs that had not finished, then killed during fit (after its first epoch line).
  const second = await runAndKill(ctx, args, (out) => /\[fit\] epoch 1\/6/.test(out));
  assert.is(second.signal, 'SIGKILL', second.stdout);
  const log = /\[ingest\] (\d+) files: (\d+) decoded, (\d+) from the cache \((\d+) of (\d+) shard jobs reused whole with (\d+) files/.exec(second.stdout);
  assert.ok(log, second.stdout);
  const [files, decoded, , reused, jobs, reusedFiles] = log!.slice(1).map(Number) as number[];
  assert.is(files, total);
  assert.ok(
    reused! >= kept - 1 && reused! < jobs!,
    `${reused} of ${jobs} jobs reused after ${kept} had finished (at most the one in flight when killed is redone)`,
  );
  assert.is(decoded! + reusedFiles!, total, 'every file of a finished job was reused, every other one decoded once');
  assert.not.match(second.stdout, /\[fit\] done/);

  // 3. Runs to the end: exit 0, the stages before fit come from cache, fit and evaluate run.
  const third = await medpipeCli(['run', 'pipeline.ts', ...args], { cwd: ctx.dir, env: SMALL_JOBS });
  assert.is(third.code, 0, show(third));
  for (const stage of ['ingest', 'normalize', 'augment', 'split', 'build']) assert.match(third.stdout, new RegExp(`\\[${stage}\\] cached`), third.stdout);
  assert.match(third.stdout, /\[fit\] running/);
  assert.match(third.stdout, /\[evaluate\] done/);
  assert.not.match(third.stdout, /\] failed:|warning:/i, third.stdout);

  // 4. An uninterrupted run, same seed, fresh cache: the same metrics and predictions.
  const cleanOut = path.join(ctx.dir, 'out-clean');
  const reference = await medpipeCli(['run', 'pipeline.ts', '--cache', path.join(ctx.dir, 'cache-clean'), '--out', cleanOut], { cwd: ctx.dir });
  assert.is(reference.code, 0, show(reference));
  const read = (dir: string, file: string) => readFile(path.join(dir, file), 'utf8');
  assert.equal(JSON.parse(await read(path.join(ctx.dir, 'out'), 'metrics.json')), JSON.parse(await read(cleanOut, 'metrics.json')));
  assert.is(await read(path.join(ctx.dir, 'out'), 'predictions.csv'), await read(cleanOut, 'predictions.csv'));
  assert.is(await read(path.join(ctx.dir, 'out'), 'history.json'), await read(cleanOut, 'history.json'));
});

requires(Kill, sklearn())(
  'killed and uninterrupted runs: metrics.json and validation-metrics.json recomputed by scikit-learn from the predictions',
  async ({ dir }) => {
    for (const out of ['out', 'out-clean']) assertEvaluationMatchesSklearn(path.join(dir, out));
  },
);

Kill.run();
