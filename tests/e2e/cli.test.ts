// The CLI as a user meets it: child processes of bin/medpipe.js, their exit codes and output.
// init → typecheck → run → run again (cached) → status (with a reason) → clean --keep-last →
// predict → clean, in a temp folder set up like a user's project after `npm install medpipe`.
import { suite } from 'uvu';
import { assertPredictMatchesPredictions } from '../helpers/predict-check.ts';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, makeClassFolders, medpipeCli, removeDir, tempDir, userProject, type CliResult } from '../helpers/core.ts';

interface Ctx {
  dir: string;
}

const Cli = suite<Ctx>('CLI: exit codes, init, run, status, clean, predict (child processes)');

Cli.after.each(async (ctx) => {
  await removeDir(ctx.dir);
  ctx.dir = '';
});

const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

Cli('no command, help, an unknown command: usage and the right exit codes', async () => {
  const [none, help, unknown, badOption] = await Promise.all([
    medpipeCli([]),
    medpipeCli(['--help']),
    medpipeCli(['frobnicate']),
    medpipeCli(['run', 'x.ts', '--frobnicate']),
  ]);
  assert.is(none.code, 1, show(none));
  assert.match(none.stdout, /Usage:\n\s+medpipe run <pipeline\.ts>/);
  assert.is(help.code, 0, show(help));
  assert.match(help.stdout, /medpipe init <name> --data <folder>/);
  assert.is(unknown.code, 2, show(unknown));
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  assert.match(unknown.stderr, /Usage:/);
  assert.is.not(badOption.code, 0, show(badOption));
  assert.match(badOption.stderr, /--frobnicate/);
});

Cli('run: a missing file, no file, a bad seed, a broken pipeline: clear messages, non-zero exits', async (ctx) => {
  ctx.dir = await userProject('cli-errors');
  await writeFile(path.join(ctx.dir, 'nodefault.ts'), 'export const p = 1;\n');
  await writeFile(
    path.join(ctx.dir, 'broken.ts'),
    "import { pipeline, ingest, split } from 'medpipe';\nexport default pipeline('broken').stage(ingest.folder({ root: 'no-data-here' })).stage(split({ fractions: { train: 2, val: 0.1, test: 0 } }));\n",
  );
  const cwd = ctx.dir;
  const [missing, noFile, badSeed, noDefault, broken] = await Promise.all([
    medpipeCli(['run', 'pipelines/nope.ts'], { cwd }),
    medpipeCli(['run'], { cwd }),
    medpipeCli(['run', 'broken.ts', '--seed', 'abc'], { cwd }),
    medpipeCli(['run', 'nodefault.ts', '--cache', 'cache'], { cwd }),
    medpipeCli(['run', 'broken.ts', '--cache', 'cache'], { cwd }),
  ]);
  assert.is(missing.code, 1, show(missing));
  assert.match(missing.stderr, /Pipeline file \S*pipelines\/nope\.ts does not exist/);
  assert.match(missing.stderr, /fix: .*medpipe init/);
  assert.is(noFile.code, 2, show(noFile));
  assert.match(noFile.stderr, /Missing the pipeline file/);
  assert.is(badSeed.code, 2, show(badSeed));
  assert.match(badSeed.stderr, /--seed must be an integer, got 'abc'/);
  assert.is(noDefault.code, 1, show(noDefault));
  assert.match(noDefault.stderr, /has no pipeline as its default export/);
  assert.is(broken.code, 1, show(broken));
  assert.match(broken.stdout, /run failed/);
  assert.match(broken.stdout, /INVALID_PIPELINE/);
  assert.match(broken.stdout, /no-data-here does not exist/);
  assert.match(broken.stdout, /fractions/, 'both problems are listed');
});

/** Runs tsc on a project folder (its own tsconfig) as a child process. */
function typecheck(dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], { cwd: dir });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

Cli('init writes a pipeline that typechecks and runs; status, clean --keep-last, predict and clean work on it', async (ctx) => {
  ctx.dir = await userProject('cli');
  const cwd = ctx.dir;
  await makeClassFolders(path.join(cwd, 'data'), 10, { classes: ['normal', 'pneumonia'], size: 16 });

  const noData = await medpipeCli(['init', 'demo'], { cwd });
  assert.is(noData.code, 2, show(noData));
  assert.match(noData.stderr, /init needs --data <folder>/);

  const init = await medpipeCli(['init', 'demo', '--data', 'data'], { cwd });
  assert.is(init.code, 0, show(init));
  assert.match(init.stdout, /wrote pipelines\/demo\.ts: classes normal, pneumonia \(pneumonia = positive\)/);
  const file = path.join(cwd, 'pipelines', 'demo.ts');
  const again = await medpipeCli(['init', 'demo', '--data', 'data'], { cwd });
  assert.is(again.code, 2, show(again));
  assert.match(again.stderr, /already exists[\s\S]*--force/);

  // Type-check the generated file as a user would, plus a wrong-order file whose message we read.
  await writeFile(
    path.join(cwd, 'pipelines', 'wrong.ts'),
    "import { pipeline, ingest, normalize, split, build, fit, evaluate } from 'medpipe';\n" +
      "const data = ingest.folder({ root: 'x' });\n" +
      "export const a = pipeline('a').stage(data).stage(split()).stage(fit());\n" +
      "export const b = pipeline('b').stage(data).stage(normalize()).stage(evaluate());\n" +
      "export const c = pipeline('c').stage(split());\n" +
      "export const d = pipeline('d').stage(data).stage(build.tutorialCnn());\n" +
      "export const e = pipeline('e').stage(data).stage(ingest.folder({ root: 'y' }));\n",
  );
  await writeFile(
    path.join(cwd, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      },
      include: ['pipelines/*.ts'],
    }),
  );
  const checked = typecheck(cwd); // runs alongside the pipeline below

  // Make the tutorial defaults tiny so the run takes seconds (each edit must apply).
  let source = await readFile(file, 'utf8');
  assert.match(source, /from 'medpipe'/);
  assert.match(source, /root: "\.\.\/data", classes: \["normal","pneumonia"\]/);
  assert.match(source, /\.stage\(evaluate\(\)\);/, 'the threshold is chosen on validation (no fixed 0.5)');
  for (const [from, to] of [
    ['size: [64, 64], channels: 3', 'size: [16, 16], channels: 1'],
    ["build.tutorialCnn({ batchNormMomentum: 'auto' })", "build.tutorialCnn({ filters: [4, 4], batchNormMomentum: 'auto' })"],
    ['epochs: 50', 'epochs: 1'],
  ] as const) {
    assert.ok(source.includes(from), `the template has ${from}`);
    source = source.replace(from, to);
  }
  await writeFile(file, source);

  const first = await medpipeCli(['run', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  assert.is(first.code, 0, show(first));
  assert.match(first.stdout, /\[ingest\] done in .*: 20 images 16x16x1, classes normal\/pneumonia/);
  assert.match(first.stdout, /\[fit\] epoch 1\/1 /);
  assert.match(first.stdout, /run done in .*: 0 cached, outputs in .*out\/demo/);
  assert.ok(existsSync(path.join(cwd, 'out', 'demo', 'metrics.json')));
  assert.not.match(first.stdout, /\u001b\[/, 'plain lines without escape codes when stdout is not a terminal');

  const t0 = Date.now();
  const second = await medpipeCli(['run', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  const cachedMs = Date.now() - t0;
  assert.is(second.code, 0, show(second));
  for (const stage of ['ingest', 'normalize', 'augment', 'split', 'build', 'fit', 'evaluate']) assert.match(second.stdout, new RegExp(`\\[${stage}\\] cached`));
  assert.match(second.stdout, /run done in .*: 7 cached/);
  console.log(`  (cached rerun through the CLI, Node start included: ${cachedMs} ms)`);

  const status = await medpipeCli(['status', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  assert.is(status.code, 0, show(status));
  assert.equal(
    status.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).slice(0, 2).join(' ')),
    ['ingest cached', 'normalize cached', 'augment cached', 'split cached', 'build cached', 'fit cached', 'evaluate cached'],
  );

  await writeFile(file, source.replace('epochs: 1', 'epochs: 2'));
  const stale = await medpipeCli(['status', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  assert.is(stale.code, 0, show(stale));
  assert.match(stale.stdout, /^build\s+cached/m);
  assert.match(stale.stdout, /^fit\s+stale [0-9a-f]{10}\n\s+config changed: epochs$/m);
  assert.match(stale.stdout, /^evaluate\s+stale \(after upstream\)\n\s+upstream stage 'fit' changed its output$/m);

  const third = await medpipeCli(['run', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  assert.is(third.code, 0, show(third));
  assert.match(third.stdout, /\[fit\] running \(key [^)]*\): config changed: epochs/);
  assert.match(third.stdout, /run done in .*: 5 cached/);

  // Two entries now exist for fit and evaluate; keep the newest per stage.
  const keep = await medpipeCli(['clean', '--cache', 'cache', '--keep-last', '1'], { cwd });
  assert.is(keep.code, 0, show(keep));
  assert.match(keep.stdout, /kept the last 1 entry per stage; dropped 2 entries and \d+ unreferenced objects/);
  const afterKeep = await medpipeCli(['status', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  assert.not.match(afterKeep.stdout, /stale/, 'the newest entries survive');
  await writeFile(file, source); // back to epochs: 1, whose entries were dropped
  const old = await medpipeCli(['status', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  assert.match(old.stdout, /^fit\s+stale/m);
  const badKeep = await medpipeCli(['clean', '--cache', 'cache', '--keep-last', 'some'], { cwd });
  assert.is(badKeep.code, 2, show(badKeep));

  // predict with the exported model: one line per file with its score and label.
  const image = path.join(cwd, 'data', 'pneumonia', 'pneumonia_003.png');
  const [one, folder, noModel] = await Promise.all([
    medpipeCli(['predict', 'out/demo/model', image], { cwd }),
    medpipeCli(['predict', 'out/demo/model', 'data'], { cwd }),
    medpipeCli(['predict', 'out/nothing/model', image], { cwd }),
  ]);
  assert.is(one.code, 0, show(one));
  const lines = one.stdout.trim().split('\n');
  assert.is(lines[0], 'file\tscore\tlabel');
  const [predictedFile, score, label] = lines[1]!.split('\t');
  assert.is(predictedFile, image);
  assert.ok(Number(score) >= 0 && Number(score) <= 1, `score ${score}`);
  assert.ok(label === 'normal' || label === 'pneumonia', `label ${label}`);
  assert.is(folder.code, 0, show(folder));
  assert.is(folder.stdout.trim().split('\n').length, 21, 'header + 20 images');
  // predict repeats the training preprocessing exactly: its score for every test image is the
  // score evaluate wrote for it in predictions.csv (predict prints 6 decimals).
  await assertPredictMatchesPredictions(folder.stdout, path.join(cwd, 'out', 'demo', 'predictions.csv'), path.join(cwd, 'data'));
  assert.is.not(noModel.code, 0, show(noModel));
  assert.match(noModel.stderr + noModel.stdout, /out\/nothing\/model/);

  const clean = await medpipeCli(['clean', '--cache', 'cache'], { cwd });
  assert.is(clean.code, 0, show(clean));
  assert.match(clean.stdout, /emptied .*cache/);
  const empty = await medpipeCli(['status', 'pipelines/demo.ts', '--cache', 'cache'], { cwd });
  assert.match(empty.stdout, /^ingest\s+stale [0-9a-f]{10}\n\s+not in cache \(no earlier run of this stage in this cache\)$/m);
  assert.match(empty.stdout, /^normalize\s+stale \(after upstream\)/m);

  // The type check: the generated pipeline is clean, the wrong orders fail with readable messages.
  const tsc = await checked;
  const errors = tsc.output.split('\n').filter((l) => /error TS/.test(l));
  assert.ok(
    errors.every((l) => l.includes('pipelines/wrong.ts')),
    `only wrong.ts has errors:\n${tsc.output}`,
  );
  assert.is(errors.length, 5, tsc.output);
  for (const text of [
    "'fit' needs built model but the pipeline so far produces splits: add build(...) before it",
    "'evaluate' needs trained model but the pipeline so far produces images: add fit(...) or tune(...) before it",
    "'split' needs images but the pipeline so far produces an empty pipeline: add ingest(...) before it",
    "'build' needs splits but the pipeline so far produces images: add split(...) before it",
    "'ingest.folder' needs an empty pipeline but the pipeline so far produces images: it must be the first stage",
  ]) {
    assert.ok(tsc.output.includes(text), `tsc output has: ${text}\n${tsc.output}`);
  }
});

Cli.run();
