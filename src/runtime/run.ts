import { Observable } from 'rxjs';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Pipeline } from '../pipeline.ts';
import { forcedBackendProblem } from '../backend/select.ts';
import { loadStageImpl } from '../stages/registry.ts';
import { writeFileAtomic } from './atomic.ts';
import type { Artifact, CacheEntry } from './cache-store.ts';
import { canonicalConfig, explainMiss } from './cache-key.ts';
import { MedpipeError, isAbortError, throwIfAborted, wrapStageError } from './errors.ts';
import type { ErrorInfo, RunEvent } from './events.ts';
import { writeRunReport } from './report.ts';
import { Session, type Planned, type RunOptions } from './session.ts';
import type { StageContext } from './stage-impl.ts';
import { validatePipeline } from './validate.ts';

export { defaultCacheDir, type RunOptions } from './session.ts';
export { pipelineStatus, type StageStatus } from './status.ts';
export { pipelineInputs } from './inputs.ts';

/**
 * Runs a pipeline and streams its events. Stages whose key matches a verified cache entry are
 * served from cache and not even loaded unless a later stage needs their output. Unsubscribing
 * (or aborting `options.signal`) cancels the run at the next safe point; finished stages stay cached.
 * @example
 *   runPipeline(p, { cacheDir: 'cache' }).subscribe((e) => console.log(e.type));
 */
export function runPipeline(pipeline: Pipeline<unknown>, options: RunOptions = {}): Observable<RunEvent> {
  return new Observable<RunEvent>((subscriber) => {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) controller.abort();
    execute(pipeline, options, controller.signal, (event) => subscriber.next(event)).then(
      () => subscriber.complete(),
      (error) => subscriber.error(error),
    );
    return () => {
      options.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    };
  });
}

/** Runs a pipeline to completion; resolves with the last event (run-done). */
export function runToCompletion(
  pipeline: Pipeline<unknown>,
  options: RunOptions = {},
  onEvent?: (e: RunEvent) => void,
): Promise<Extract<RunEvent, { type: 'run-done' }>> {
  return new Promise((resolvePromise, reject) => {
    let last: RunEvent | undefined;
    runPipeline(pipeline, options).subscribe({
      next: (event) => {
        last = event;
        onEvent?.(event);
      },
      error: reject,
      complete: () => {
        if (last?.type === 'run-done') resolvePromise(last);
        else reject(new MedpipeError('INTERNAL', 'The run ended without a result.'));
      },
    });
  });
}

function toInfo(error: unknown): ErrorInfo {
  if (error instanceof MedpipeError) {
    const issues = error.issues.length > 0 ? `\n  - ${error.issues.join('\n  - ')}` : '';
    return { code: error.code, message: error.message + issues, fix: error.fix, file: error.file };
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

async function execute(pipeline: Pipeline<unknown>, options: RunOptions, signal: AbortSignal, emitRaw: (event: RunEvent) => void): Promise<void> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  let cacheHits = 0;
  const session = new Session(pipeline, options);
  // The code a run used is the code at its start (a commit during a long run must not be credited to it).
  const git = options.history === false ? undefined : (await import('../history/record.ts')).gitState(session.baseDir);
  const outDir = resolve(options.outDir ?? pipeline.options.outDir ?? `out/${pipeline.name}`);
  const emit = (event: RunEvent) => emitRaw(event);
  const summaries: { stage: string; kind: string; key: string; cached: boolean; ms: number; summary?: string }[] = [];
  // Records the run in the history and writes report.html; never throws (problems become warnings).
  const finish = async (ok: boolean, files: readonly string[], error?: ErrorInfo): Promise<string[]> => {
    const { finishRun } = await import('../history/finish-run.ts');
    const stages = summaries.map((s) => ({ ...s, config: canonicalConfig(pipeline.stages.find((n) => n.id === s.stage)?.config) }));
    const base = {
      runId,
      pipeline: pipeline.name,
      startedAt,
      ms: Date.now() - started,
      ok,
      git,
      seed: session.seed,
      backend: session.backendName,
      outDir,
      baseDir: session.baseDir,
      cacheHits,
      stages,
      files,
    };
    const done = await finishRun(error ? { ...base, error: `${error.code}: ${error.message}` } : base, {
      history: options.history,
      cacheDir: session.store.dir,
    }).catch((e: Error) => ({ files: [], warnings: [e.message], number: undefined, historyPath: undefined }));
    for (const message of done.warnings) emit({ type: 'log', at: Date.now(), level: 'warn', message });
    if (done.number !== undefined)
      emit({ type: 'log', at: Date.now(), level: 'info', message: `recorded as run #${done.number} in ${done.historyPath} (medpipe report ${done.number})` });
    return [...done.files];
  };

  emit({
    type: 'run-start',
    at: Date.now(),
    runId,
    pipeline: pipeline.name,
    stages: pipeline.stages.map((s) => ({ id: s.id, kind: s.kind })),
    backend: session.backendName,
    cacheDir: session.store.dir,
  });

  let currentStage: string | undefined;
  try {
    const impls = await Promise.all(pipeline.stages.map((s) => loadStageImpl(s.kind)));
    const usesTf = impls.some((impl) => impl.usesTf);
    const backendIssue = usesTf ? forcedBackendProblem(options.backend ?? process.env.MEDPIPE_BACKEND) : undefined;
    await validatePipeline(pipeline, impls, { baseDir: session.baseDir }, backendIssue ? [backendIssue] : []);
    await session.store.ensure();
    await session.hasher.load();

    const outputs: (() => Promise<unknown>)[] = [];
    const hashes: (string | undefined)[] = [];
    const ctxFor = (stage: string) => {
      const index = pipeline.stages.findIndex((s) => s.id === stage);
      return session.context(stage, signal, emit, {
        upstreamHash: index > 0 ? hashes[index - 1] : undefined,
        ancestor: (port: string) => {
          for (let j = index - 1; j >= 0; j--) {
            if (pipeline.stages[j]!.ports.out === port) return outputs[j]!();
          }
          return Promise.reject(new MedpipeError('INVALID_PIPELINE', `No stage before '${stage}' produces ${port}.`, { stage }));
        },
      });
    };

    for (let i = 0; i < pipeline.stages.length; i++) {
      throwIfAborted(signal);
      const planned = await session.plan(impls, ctxFor, (j) => hashes[j], i);
      const { node, impl, key } = planned;
      currentStage = node.id;
      const index = i;
      if (planned.entry) {
        const entry = planned.entry;
        cacheHits++;
        hashes[i] = entry.outputHash;
        emit({ type: 'stage-cached', at: Date.now(), stage: node.id, key });
        summaries.push({ stage: node.id, kind: node.kind, key, cached: true, ms: 0, summary: entry.summary });
        if ((await session.store.readIndex(pipeline.name, node.id))?.key !== key) {
          await session.store.writeIndex(pipeline.name, node.id, { key, inputs: planned.inputs, at: new Date().toISOString() });
        }
        // Loaded only if a later stage needs it; a damaged entry is recomputed from its input.
        let memo: Promise<unknown> | undefined;
        outputs[i] = () =>
          (memo ??= (async () => {
            const artifact = await session.store.load(entry);
            if (artifact) return impl.decode(artifact);
            emit({ type: 'log', at: Date.now(), stage: node.id, level: 'warn', message: 'cache entry failed verification; recomputing' });
            const input = index > 0 ? await outputs[index - 1]!() : undefined;
            const result = await runStage(session, planned, input, ctxFor(node.id));
            return result.value;
          })());
        continue;
      }
      const previous = await session.store.readIndex(pipeline.name, node.id);
      const reasons = explainMiss(previous?.inputs, planned.inputs);
      emit({ type: 'stage-start', at: Date.now(), stage: node.id, key, reasons });
      const input = i > 0 ? await outputs[i - 1]!() : undefined;
      const t0 = Date.now();
      const result = await runStage(session, planned, input, ctxFor(node.id));
      hashes[i] = result.entry.outputHash;
      const ms = Date.now() - t0;
      const unchangedOutput = previous !== undefined && (await session.store.get(previous.key))?.outputHash === result.entry.outputHash;
      emit({ type: 'stage-done', at: Date.now(), stage: node.id, key, ms, summary: result.entry.summary, unchangedOutput });
      summaries.push({ stage: node.id, kind: node.kind, key, cached: false, ms, summary: result.entry.summary });
      await session.store.writeIndex(pipeline.name, node.id, { key, inputs: planned.inputs, at: new Date().toISOString() });
      const value = result.value;
      outputs[i] = async () => value;
    }
    currentStage = undefined;

    // Export user-facing files (reports, the model) from every stage that has some; a stage whose
    // output is what the folder already holds (same output hash, files present) is not rewritten.
    await mkdir(outDir, { recursive: true });
    const marker = await readExportMarker(outDir);
    const exported: string[] = [];
    for (let i = 0; i < pipeline.stages.length; i++) {
      const impl = impls[i]!;
      if (!impl.export) continue;
      const id = pipeline.stages[i]!.id;
      currentStage = id;
      const previous = marker[id];
      if (previous && previous.outputHash === hashes[i] && previous.files.every((f) => existsSync(f))) {
        exported.push(...previous.files);
        continue;
      }
      const files = await impl.export(await outputs[i]!(), outDir);
      marker[id] = { outputHash: hashes[i]!, files };
      await writeFileAtomic(join(outDir, EXPORT_MARKER), JSON.stringify(marker, null, 2));
      exported.push(...files);
    }
    currentStage = undefined;
    exported.push(...(await finish(true, exported)));
    await writeRunReport(outDir, {
      runId,
      pipeline: pipeline.name,
      seed: session.seed,
      backend: session.backendName,
      stages: summaries,
      files: exported,
      ms: Date.now() - started,
    });
    await session.hasher.save();
    emit({ type: 'run-done', at: Date.now(), ok: true, ms: Date.now() - started, cacheHits, outputDir: outDir });
  } catch (error) {
    await session.hasher.save().catch(() => undefined);
    const wrapped = currentStage ? wrapStageError(error, currentStage) : error;
    const info = toInfo(wrapped);
    if (currentStage && !isAbortError(wrapped)) {
      emit({ type: 'stage-failed', at: Date.now(), stage: currentStage, error: info });
    }
    await finish(false, [], info);
    emit({ type: 'run-done', at: Date.now(), ok: false, ms: Date.now() - started, cacheHits, error: info });
  }
}

const EXPORT_MARKER = '.medpipe-exports.json';

type ExportMarker = Record<string, { outputHash: string; files: string[] }>;

async function readExportMarker(outDir: string): Promise<ExportMarker> {
  try {
    return JSON.parse(await readFile(join(outDir, EXPORT_MARKER), 'utf8')) as ExportMarker;
  } catch {
    return {};
  }
}

async function runStage(session: Session, planned: Planned, input: unknown, ctx: StageContext): Promise<{ value: unknown; entry: CacheEntry }> {
  const { node, impl, key, inputs, fingerprint } = planned;
  const t0 = Date.now();
  const value = await impl.run(input, node.config, ctx, fingerprint);
  throwIfAborted(ctx.signal, node.id);
  const artifact: Artifact = await impl.encode(value);
  const summary = impl.summary?.(value);
  const entry = await session.store.put(
    { key, stage: node.id, kind: node.kind, pipeline: session.pipeline.name, inputs, summary, ms: Date.now() - t0 },
    artifact,
  );
  return { value, entry };
}
