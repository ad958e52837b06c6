/**
 * Seeded fuzzing of the DICOM reader (tests/helpers/dicom-fuzz.ts): truncated, bit-flipped,
 * overwritten, length-corrupted, padded and random files made from one of every encoding the reader
 * handles. Every case must end in correct values or a MedpipeError naming the file: never a crash, a
 * hang, an out-of-memory, or silently wrong pixels. The fuzzer runs as a child process with a
 * deadline and a heap cap, so a hang or a blown heap is reported with the case that caused it.
 * Set MEDPIPE_FUZZ_SEED / MEDPIPE_FUZZ_CASES to reproduce a failure or to fuzz longer.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FuzzSummary } from '../../helpers/dicom-fuzz.ts';
import { ROOT } from '../../helpers/paths.ts';

const SEED = Number(process.env.MEDPIPE_FUZZ_SEED ?? 20261126);
const CASES = Number(process.env.MEDPIPE_FUZZ_CASES ?? 2500);
const DEADLINE_MS = 180_000;
/** A case slower than this is a hang in the making (the slowest are ~0.2 s: first use of a codec, GC). */
const SLOW_CASE_MS = 5_000;
const RUNNER = path.join(ROOT, 'tests', 'helpers', 'dicom-fuzz.ts');

const Fuzz = suite('DICOM fuzz: correct values or a MedpipeError naming the file');

Fuzz(`${CASES} seeded cases (seed ${SEED}): no crash, hang, out-of-memory or silently wrong pixels`, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'medpipe-fuzz-'));
  try {
    const run = await runChild(dir);
    assert.ok(!run.timedOut, `hang: no result after ${DEADLINE_MS / 1000} s; last case started: ${run.lastCase}`);
    assert.is(run.code, 0, `the fuzzer died (exit ${run.code}, signal ${run.signal}) during ${run.lastCase}: ${run.stderr.slice(-2000)}`);
    assert.ok(run.summary, `no summary from the fuzzer: ${run.stderr.slice(-2000)}`);
    const summary = run.summary!;
    const kinds = Object.entries(summary.byKind).map(([k, v]) => `${k} ${v.cases} (${v.refused} refused, ${v.decoded} decoded)`);
    console.log(
      `  fuzz seed ${summary.seed}: ${summary.cases} cases in ${(summary.totalMs / 1000).toFixed(1)} s, rss ${summary.rssMiB} MiB; ` +
        `slowest case ${summary.slowest.case} (${summary.slowest.kind} of ${summary.slowest.source}) ${summary.slowest.ms.toFixed(0)} ms\n    ${kinds.join('; ')}`,
    );
    assert.is(summary.cases, CASES);
    assert.equal(summary.failures, [], 'cases that crashed or returned wrong pixels');
    assert.ok(summary.slowest.ms < SLOW_CASE_MS, `case ${summary.slowest.case} took ${summary.slowest.ms.toFixed(0)} ms`);
    // Every kind of damage was exercised, and both outcomes occur: the oracle is not vacuous.
    for (const kind of ['truncate', 'flip-inert', 'flip-native-pixels', 'flip-any', 'overwrite', 'length-field', 'insert', 'random']) {
      assert.ok((summary.byKind[kind]?.cases ?? 0) > 0, `no ${kind} cases`);
    }
    assert.ok(summary.byKind['flip-inert'].decoded > 0 && summary.byKind.truncate.refused > 0, 'both outcomes occur');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly lastCase: string;
  readonly stderr: string;
  readonly summary?: FuzzSummary;
}

function runChild(dir: string): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=2048', '--import', 'tsx', RUNNER, String(SEED), String(CASES), dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let lastCase = '(none)';
    let tail = '';
    let stderr = '';
    let summary: FuzzSummary | undefined;
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (tail + chunk).split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('> ')) lastCase = line.slice(2);
        else if (line.startsWith('{')) summary = JSON.parse(line) as FuzzSummary;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-10_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (tail.startsWith('{')) summary = JSON.parse(tail) as FuzzSummary;
      resolve({ code, signal, timedOut, lastCase, stderr, summary });
    });
  });
}

Fuzz.run();
