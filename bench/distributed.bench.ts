/**
 * `npx tsx bench/distributed.bench.ts`: the two numbers of the distributed executor and the remote cache.
 *
 * 1. A tune grid of 8 points on PneumoniaMNIST (../shared/data/pneumoniamnist, 28x28, the data's own
 *    splits), from one built model: in this process's way (the local executor), then as BullMQ jobs
 *    for 1 worker and for 2 workers (processes of MEDPIPE_THREADS=1 each; the coordinator and the local
 *    run use 1 thread too, so results are bit-identical). Prints the tune stage's time of each, the
 *    speed-up of 2 workers over 1, and whether the winner and every point's metrics equal the local run's.
 * 2. The whole pneumonia pipeline (pipelines/pneumonia.ts) run in one clean clone with a readwrite
 *    remote cache (file://), then restored in a second clean clone pointed at the same remote: the
 *    second run's wall time (process start to exit), the stages it trained (none), and whether its
 *    out/pneumonia/ files equal the first clone's byte for byte (run.json, which holds times, and the export marker, which holds this checkout's paths, aside).
 *
 * Each run is a child process (`node bin/medpipe.js ...`); Redis is Debian's redis-server on a free
 * loopback port. The machine may be shared: the load average is printed before and after.
 * Options: --epochs N (4) --skip-grid --skip-clone --keep (leave the temp folder)
 *   --pin: also time the workers pinned to one core each (taskset -c i): a process of "1 thread" still
 *   has V8's garbage-collection threads, which take a second core's time when it is free (1 worker)
 *   and compete for it when it is not (2 workers); pinned, a worker is exactly one core.
 *   --work DIR: work in DIR and keep it; what a run there left is reused, so a timed run can follow
 *   a prepared one: the local executor's grid (its results are the reference; its time is the
 *   earlier run's) and the first clone with its remote (the second clone is always made afresh).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    'skip-grid': { type: 'boolean', default: false },
    'skip-clone': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    work: { type: 'string' },
    pin: { type: 'boolean', default: false },
  },
});
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = path.resolve(ROOT, '..', 'shared', 'data', 'pneumoniamnist', 'images');
const BIN = path.join(ROOT, 'bin', 'medpipe.js');
const work = opts.work ? path.resolve(opts.work) : mkdtempSync(path.join(tmpdir(), 'medpipe-bench-dist-'));
mkdirSync(work, { recursive: true });
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

let runs = 0;

function medpipe(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { ms: number; out: string } {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [options.cwd ? path.join(options.cwd, 'bin', 'medpipe.js') : BIN, ...args], {
    cwd: options.cwd ?? work,
    env: { ...process.env, MEDPIPE_THREADS: '1', ...options.env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - t0;
  // Every run's output stays in the work folder (logs/), for reading what a timed run did.
  mkdirSync(path.join(work, 'logs'), { recursive: true });
  writeFileSync(path.join(work, 'logs', `${String(++runs).padStart(2, '0')}-${args[0]}.log`), `$ medpipe ${args.join(' ')}\n${result.stdout}${result.stderr}`);
  if (result.status !== 0) throw new Error(`medpipe ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return { ms, out: result.stdout + result.stderr };
}

function pipelineFile(name: string, withTune: boolean): string {
  const file = path.join(work, `${name}.mts`);
  const entry = JSON.stringify(path.join(ROOT, 'src', 'index.ts'));
  writeFileSync(
    file,
    `import { pipeline, ingest, normalize, augment, split, build, tune } from ${entry};
const base = pipeline('bench-grid', { seed: 42 })
  .stage(ingest.folder({ root: ${JSON.stringify(DATA)}, classes: ['normal', 'pneumonia'], size: [28, 28], channels: 1 }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
  .stage(augment({ rotation: 10, translate: 0.08, zoom: 0.1 }))
  .stage(split())
  .stage(build.tutorialCnn({ filters: [32, 32] }));
export default ${withTune ? `base.stage(tune({ grid: { learningRate: [1e-3, 3e-4], batchSize: [32, 64], classWeight: ['balanced', null] }, base: { epochs: ${Number(opts.epochs)}, earlyStopping: false } }))` : 'base'};
`,
  );
  return file;
}

/** Each grid point's training time and where it ran, from the run's log ("grid point 3/8: …: done on vm:123 in 14.1s"; "done in" in the run itself). */
function trialTimes(out: string): { point: number; worker: string; s: number }[] {
  return [...out.matchAll(/grid point (\d+)\/\d+: .*: done(?: on (\S+))? in (?:(\d+)m)?([\d.]+)s$/gm)].map((m) => ({
    point: Number(m[1]),
    worker: m[2] ?? 'this process',
    s: Number(m[3] ?? 0) * 60 + Number(m[4]),
  }));
}

/**
 * Where a row's time went: each worker's trials in the order it ran them, the busiest worker's sum
 * (the best this schedule allows: the stage cannot end before its busiest worker does), the rest of
 * the stage's time (submission, transfers, polling, start-up) and the mean trial time.
 */
function breakdown(out: string, stageMs: number): { line: string; meanS: number } {
  const trials = trialTimes(out);
  const workers = [...new Set(trials.map((t) => t.worker))];
  const sums = workers.map((w) => trials.filter((t) => t.worker === w).reduce((a, t) => a + t.s, 0));
  const busiest = Math.max(...sums);
  const meanS = trials.reduce((a, t) => a + t.s, 0) / trials.length;
  const per = workers.map(
    (w, i) =>
      `${w}: ${trials
        .filter((t) => t.worker === w)
        .map((t) => `#${t.point} ${t.s.toFixed(1)}`)
        .join(' + ')} = ${sums[i]!.toFixed(1)} s`,
  );
  return {
    meanS,
    line: `  trials (point, seconds): ${per.join('; ')}. Busiest worker ${busiest.toFixed(1)} s; the rest of the stage ${(stageMs / 1000 - busiest).toFixed(1)} s; mean trial ${meanS.toFixed(2)} s`,
  };
}

function tuneMs(outDir: string): number {
  const run = JSON.parse(readFileSync(path.join(outDir, 'run.json'), 'utf8')) as { stages: { stage: string; ms: number }[] };
  return run.stages.find((s) => s.stage === 'tune')!.ms;
}

async function startRedis(): Promise<{ url: string; proc: ChildProcess }> {
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => proc.stdout!.on('data', (d) => String(d).includes('Ready to accept') && resolve()));
  return { url: `redis://127.0.0.1:${port}`, proc };
}

async function startWorkers(n: number, redis: string, tag: string, pin: boolean): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const command = [process.execPath, BIN, 'worker', '--redis', redis, '--cache', path.join(work, `wcache-${tag}-${i}`)];
      const pinned = pin ? ['taskset', '-c', String(i), ...command] : command;
      rmSync(path.join(work, `wcache-${tag}-${i}`), { recursive: true, force: true });
      const proc = spawn(pinned[0]!, pinned.slice(1), {
        cwd: work,
        env: { ...process.env, MEDPIPE_THREADS: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => proc.stdout!.on('data', (d) => String(d).includes('ready:') && resolve()));
      return proc;
    }),
  );
}

async function stop(procs: ChildProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : (p.once('exit', () => resolve()), p.kill('SIGTERM'))))));
}

async function grid(): Promise<void> {
  console.log(`\n## tune grid: 8 points on PneumoniaMNIST, ${opts.epochs} epochs each, 1 thread per process (load before: ${load()})`);
  const base = path.join(work, 'base-cache');
  medpipe(['run', pipelineFile('prepare', false), '--plain', '--cache', base, '--out', path.join(work, 'out-prepare')]);
  const file = pipelineFile('grid', true);
  const copy = (name: string) => {
    rmSync(path.join(work, name), { recursive: true, force: true });
    cpSync(base, path.join(work, name), { recursive: true });
    return path.join(work, name);
  };
  const rows: { how: string; ms: number; results: string; out?: string }[] = [];
  const notes: string[] = [];
  const winner = (json: string) => (JSON.parse(json) as { winner: number }).winner;
  // Each row as soon as it is measured (a run cut short by a time limit keeps what it had).
  const add = (row: { how: string; ms: number; results: string; out?: string }) => {
    rows.push(row);
    if (rows.length === 1) console.log('| executor | tune stage | winner | per-point metrics = local |\n| --- | ---: | ---: | --- |');
    const same = row.results === rows[0]!.results ? 'yes (byte-identical tune-results.json)' : 'NO';
    console.log(`| ${row.how} | ${(row.ms / 1000).toFixed(1)} s | ${winner(row.results)} | ${same} |`);
    if (row.out) notes.push(`${row.how}:\n${breakdown(row.out, row.ms).line}`);
  };
  const marker = path.join(work, 'out-local', 'bench-epochs');
  const prepared = existsSync(marker) && readFileSync(marker, 'utf8') === opts.epochs;
  if (!prepared) {
    const local = medpipe(['run', file, '--plain', '--cache', copy('cache-local'), '--out', path.join(work, 'out-local')]);
    writeFileSync(path.join(work, 'out-local', 'bench-log.txt'), local.out);
    writeFileSync(marker, opts.epochs);
  }
  add({
    how: `local executor (in the run, one after another)${prepared ? ', time of the prepared run' : ''}`,
    ms: tuneMs(path.join(work, 'out-local')),
    results: readFileSync(path.join(work, 'out-local', 'tune-results.json'), 'utf8'),
    ...(existsSync(path.join(work, 'out-local', 'bench-log.txt')) ? { out: readFileSync(path.join(work, 'out-local', 'bench-log.txt'), 'utf8') } : {}),
  });
  for (const [n, pin] of [
    [1, false],
    [2, false],
    ...(opts.pin
      ? [
          [1, true],
          [2, true],
        ]
      : []),
  ] as [number, boolean][]) {
    const redis = await startRedis();
    const tag = `${n}${pin ? 'p' : ''}`;
    const workers = await startWorkers(n, redis.url, tag, pin);
    try {
      const out = path.join(work, `out-w${tag}`);
      rmSync(out, { recursive: true, force: true });
      const run = medpipe(['run', file, '--plain', '--redis', redis.url, '--cache', copy(`cache-w${tag}`), '--out', out]);
      add({
        how: `BullMQ, ${n} worker process${n > 1 ? 'es' : ''} × 1 thread${pin ? ', each pinned to one core' : ''}`,
        ms: tuneMs(out),
        results: readFileSync(path.join(out, 'tune-results.json'), 'utf8'),
        out: run.out,
      });
    } finally {
      await stop(workers);
      redis.proc.kill('SIGTERM');
    }
  }
  console.log(`\nwhere the time went:\n${notes.join('\n')}`);
  console.log(
    `speed-up of 2 workers over 1: ${(rows[1]!.ms / rows[2]!.ms).toFixed(2)}x${opts.pin ? `; pinned: ${(rows[3]!.ms / rows[4]!.ms).toFixed(2)}x` : ''} (load after: ${load()})`,
  );
}

function cloneInto(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, 'medpipe');
  execFileSync('git', ['clone', '-q', ROOT, target]);
  // Installed dependencies and the built native addon, as `npm ci` would leave them.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(target, 'node_modules'));
  if (existsSync(path.join(ROOT, 'native', 'build'))) symlinkSync(path.join(ROOT, 'native', 'build'), path.join(target, 'native', 'build'));
  // pipelines/pneumonia.ts reads ../../shared/data: the shared data beside the clone, read in place.
  symlinkSync(path.resolve(ROOT, '..', 'shared'), path.join(dir, 'shared'));
  return target;
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

function clones(): void {
  console.log(`\n## a second, clean clone restores pipelines/pneumonia.ts from the remote cache (load before: ${load()})`);
  const keys = path.join(work, 'keys', 'ci');
  const remote = `file://${path.join(work, 'remote')}`;
  const a = path.join(work, 'clone-a', 'medpipe');
  const prepared = existsSync(path.join(a, 'out', 'pneumonia')) && existsSync(`${keys}.pub`);
  if (!prepared) {
    rmSync(path.join(work, 'clone-a'), { recursive: true, force: true });
    rmSync(path.join(work, 'remote'), { recursive: true, force: true });
    rmSync(path.join(work, 'keys'), { recursive: true, force: true });
    medpipe(['keygen', keys]);
    cloneInto(path.join(work, 'clone-a'));
  }
  rmSync(path.join(work, 'clone-b'), { recursive: true, force: true });
  const b = cloneInto(path.join(work, 'clone-b'));
  const first = prepared
    ? { ms: NaN, out: '' }
    : medpipe(['run', 'pipelines/pneumonia.ts', '--plain', '--remote', remote, '--remote-mode', 'readwrite', '--remote-key', `${keys}.key`], { cwd: a });
  const second = medpipe(['run', 'pipelines/pneumonia.ts', '--plain', '--remote', remote, '--remote-trust', `${keys}.pub`], { cwd: b });
  const trained = [...second.out.matchAll(/^\[(\w+)\] running/gm)].map((m) => m[1]);
  const fromRemote = [...second.out.matchAll(/^\[(\w+)\] cached \(key \w+…?, from the remote cache\)/gm)].map((m) => m[1]);
  const outA = path.join(a, 'out', 'pneumonia');
  const outB = path.join(b, 'out', 'pneumonia');
  // run.json holds times; .medpipe-exports.json is the folder's bookkeeping (absolute paths of this
  // checkout); report.html is compared without its provenance section, the record of the run that
  // wrote it (run id, start time, which stages ran or came from a cache, how long each took).
  const compared = (f: string) => f !== 'run.json' && f !== '.medpipe-exports.json';
  const bytesOf = (file: string) => {
    const bytes = readFileSync(file);
    if (!file.endsWith('report.html')) return bytes;
    // Its header's run time too (a timestamp).
    const text = bytes.toString('utf8').replace(/<section id="provenance">[\s\S]*?<\/section>/, '');
    return Buffer.from(text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, '<time>'));
  };
  const files = filesUnder(outA).filter(compared);
  const differ = files.filter((f) => !existsSync(path.join(outB, f)) || !bytesOf(path.join(outA, f)).equals(bytesOf(path.join(outB, f))));
  const missing = filesUnder(outB).filter((f) => compared(f) && !files.includes(f));
  console.log('| clone | what it did | wall time |');
  console.log('| --- | --- | ---: |');
  console.log(`| first (readwrite) | trained and uploaded every stage | ${prepared ? 'prepared by an earlier run' : `${(first.ms / 1000).toFixed(1)} s`} |`);
  console.log(
    `| second (read, clean) | ${fromRemote.length} stages from the remote (${fromRemote.join(', ')}), ${trained.length} run${trained.length ? `: ${trained.join(', ')}` : ''} | ${(second.ms / 1000).toFixed(2)} s |`,
  );
  console.log(
    `outputs: ${files.length} files in out/pneumonia/ (run.json and the export marker aside, report.html without its provenance section): ${differ.length === 0 && missing.length === 0 ? 'all byte-identical' : `DIFFERENT: ${[...differ, ...missing].join(', ')}`} (load after: ${load()})`,
  );
}

try {
  if (!opts['skip-grid']) await grid();
  if (!opts['skip-clone']) clones();
} finally {
  if (opts.keep || opts.work) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
