import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { catchError, concat, concatMap, defer, from, ignoreElements, Observable, of } from 'rxjs';
import { forcedBackendProblem } from '../backend/select.ts';
import { isAbortError, MedpipeError, throwIfAborted, toErrorInfo, wrapStageError } from '../base/errors.ts';
import { settleAll } from '../base/settle.ts';
import { finishRun, prefetchReportHtml } from '../history/finish-run.ts';
import { gitState } from '../history/record.ts';
import { nativeCodec } from '../io/native-codec.ts';
import type { Pipeline } from '../pipeline.ts';
import { definitionOf } from '../stages/registry.ts';
import type { AnyPort } from '../stages/core/port.ts';
import { canonicalConfig } from './cache-key.ts';
import type { CacheEntry } from './cache-store.ts';
import type { ErrorInfo, RunEvent } from './events.ts';
import { exportOutputs } from './exports.ts';
import { boundHeapGrowth } from './heap-growth.ts';
import { ownTieringBudget, raiseTieringBudget } from './tiering.ts';
import { cachedPlots } from './plot-memo.ts';
import { loadStage, missReasons, planStage, type LoadedStage, type Planned } from './plan.ts';
import { writeRunReport, type RunReport } from './report.ts';
import { Session, type RunOptions } from './session.ts';
import { validatePipeline, type CheckedStage } from './validate.ts';

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
    const restoreHeapGrowth = boundHeapGrowth();
    const restoreTiering = raiseTieringBudget();
    const subscription = runEvents(pipeline, options, controller.signal).subscribe(subscriber);
    return () => {
      restoreHeapGrowth();
      restoreTiering();
      options.signal?.removeEventListener('abort', onAbort);
      controller.abort();
      subscription.unsubscribe();
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

/** What a stage's output is replaced by once the run has written everything it needs from it. */
const released = (): Promise<never> => Promise.reject(new MedpipeError('INTERNAL', "A stage's output was read after the run let it go."));

/** The events of one piece of async work: whatever it emits, then completion (or its error). */
function work(body: (emit: (event: RunEvent) => void) => Promise<void>): Observable<RunEvent> {
  return new Observable<RunEvent>((subscriber) => {
    body((event) => subscriber.next(event)).then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
  });
}

/**
 * The run as one RxJS pipeline: run-start, validation, then `concatMap` over the stages (each stage
 * an Observable of its own events: cached, or start → progress/epochs/logs → done), the exports,
 * and run-done; `catchError` turns a failure into stage-failed + run-done. A stage reads its input
 * through a memoised loader, so a cached stage is loaded only when a later stage needs its output.
 */
function runEvents(pipeline: Pipeline<unknown>, options: RunOptions, signal: AbortSignal): Observable<RunEvent> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const session = new Session(pipeline, options);
  const outDir = resolve(options.outDir ?? pipeline.options.outDir ?? `out/${pipeline.name}`);
  // The code a run used is the code at its start (a commit during a long run must not be credited to it).
  let git: ReturnType<typeof gitState> | undefined;
  const outputs: (() => Promise<unknown>)[] = [];
  const hashes: (string | undefined)[] = [];
  const summaries: RunReport['stages'][number][] = [];
  // Checked at the start; each is replaced by its loaded form (implementation) when it is planned.
  let stages: (CheckedStage | LoadedStage)[] = [];
  let cacheHits = 0;
  let current: string | undefined;
  // Events of the stage in progress (and of a cached stage recomputed for it) go to its stream.
  let sink: (event: RunEvent) => void = () => undefined;

  // The stage being planned or run, for warnings of the remote cache.
  let active: string | undefined;
  session.store.remote?.onWarning((message) => sink({ type: 'log', at: Date.now(), stage: active, level: 'warn', message }));

  /** A stage's context; `parent` (its key, once planned) lets its units run on the executor and be cached. */
  const ctxFor = (index: number, parent?: string) => {
    const stage = stages[index]!.node.id;
    return session.context(
      stage,
      signal,
      (event) => sink(event),
      {
        upstreamHash: index > 0 ? hashes[index - 1] : undefined,
        previousOutput: (speculative) => session.previousOutput(stage, stages[index]!.definition, speculative),
        ancestor: <P extends AnyPort>(port: P) => {
          for (let j = index - 1; j >= 0; j--) {
            if (stages[j]!.definition.out.name === port.name) return outputs[j]!() as never;
          }
          return Promise.reject(new MedpipeError('INVALID_PIPELINE', `No stage before '${stage}' produces ${port.name}.`, { stage }));
        },
      },
      'run',
      parent,
    );
  };

  const runStage = async (planned: Planned, input: unknown): Promise<{ value: unknown; entry: CacheEntry }> => {
    const { node, definition, impl, config, key, inputs, fingerprint } = planned;
    const t0 = Date.now();
    const run = () => impl.run(input, config, ctxFor(planned.index, key), fingerprint);
    // Training and prediction run the same code every batch: with V8's own tier-up budget (tiering.ts).
    const value = definition.usesTf ? await ownTieringBudget(run) : await run();
    throwIfAborted(signal, node.id);
    const artifact = await definition.out.codec.encode(value);
    const summary = impl.summary?.(value);
    // The blobs are written while what the fingerprint and plan still write (shards, the listing
    // object) finishes; the entry follows both, and the stage ends after the rest (job records,
    // the stat cache's snapshot), also when the entry failed.
    const stored = session.store.put({ key, stage: node.id, kind: node.kind, pipeline: pipeline.name, inputs, summary, ms: Date.now() - t0 }, artifact, {
      after: planned.named,
    });
    const [entry] = await settleAll([stored, planned.written]);
    return { value, entry };
  };

  // Records the run in the history and writes report.html; never throws (problems become warnings).
  const recordRun = async (emit: (event: RunEvent) => void, ok: boolean, files: readonly string[], error?: ErrorInfo): Promise<string[]> => {
    const stageConfigs = summaries.map((s) => ({ ...s, config: canonicalConfig(pipeline.stages.find((n) => n.id === s.stage)?.config) }));
    const base = {
      runId,
      pipeline: pipeline.name,
      startedAt,
      ms: Date.now() - started,
      ok,
      git: await git,
      seed: session.seed,
      backend: session.backendName,
      outDir,
      baseDir: session.baseDir,
      cacheHits,
      stages: stageConfigs,
      files,
    };
    const done = await finishRun(error ? { ...base, error: `${error.code}: ${error.message}` } : base, {
      history: options.history,
      cacheDir: session.store.dir,
      // The plots belong with the last stage's entry (evaluate's, in a pipeline that reports).
      plots: cachedPlots(session.store, pipeline.name, summaries.at(-1)?.key),
    }).catch((e: Error) => ({ files: [], warnings: [e.message], number: undefined, historyPath: undefined }));
    for (const message of done.warnings) emit({ type: 'log', at: Date.now(), level: 'warn', message });
    if (done.number !== undefined)
      emit({ type: 'log', at: Date.now(), level: 'info', message: `recorded as run #${done.number} in ${done.historyPath} (medpipe report ${done.number})` });
    return [...done.files];
  };

  const prepare = defer(async () => {
    // Started, not awaited: the command runs while the run goes on. (The modules that record the run
    // are static imports: loaded with the runtime, not on this run's clock.)
    if (options.history !== false) git = gitState(session.baseDir);
    // A run that evaluates writes report.html at its end: its modules load meanwhile too.
    if (pipeline.stages.some((node) => node.kind === 'evaluate')) prefetchReportHtml();
    const usesTf = pipeline.stages.some((node) => definitionOf(node.kind)?.usesTf);
    const backendIssue = usesTf ? forcedBackendProblem(session.forcedBackend) : undefined;
    const checked = validatePipeline(pipeline, { baseDir: session.baseDir }, backendIssue ? [backendIssue] : []);
    // The cache folder is made (libuv's pool) while the stat cache opens (this thread).
    await Promise.all([session.store.ensure(), session.hasher.load()]);
    stages = checked;
  }).pipe(ignoreElements());

  /**
   * A cached stage's output, loaded only if a later stage needs it; a damaged entry is planned
   * again and recomputed from its input. The plan is not kept meanwhile: an ingest's fingerprint
   * holds its listing, a file → hash map and the stat cache's rows (hundreds of bytes a file,
   * which the whole run would otherwise carry).
   */
  const cachedOutput = (index: number, entry: CacheEntry): (() => Promise<unknown>) => {
    let memo: Promise<unknown> | undefined;
    return () =>
      (memo ??= (async () => {
        const stage = stages[index]!;
        const artifact = await session.store.load(entry);
        if (artifact) return stage.definition.out.codec.decode(artifact);
        sink({ type: 'log', at: Date.now(), stage: stage.node.id, level: 'warn', message: 'cache entry failed verification; recomputing' });
        const input = index > 0 ? await outputs[index - 1]!() : undefined;
        const again = await planStage(session, stages, index, index > 0 ? hashes[index - 1] : undefined, ctxFor(index));
        return (await runStage(again, input)).value;
      })());
  };

  const stageEvents = (index: number): Observable<RunEvent> =>
    work(async (emit) => {
      sink = emit;
      active = stages[index]!.node.id;
      throwIfAborted(signal);
      // A stage's time includes its fingerprint: ingest reads (and so ingests) new files there.
      const planStarted = Date.now();
      current = stages[index]!.node.id; // a failure while planning (ingest reads files there) is this stage's
      stages[index] = await loadStage(stages[index]!);
      const planned = await planStage(session, stages, index, index > 0 ? hashes[index - 1] : undefined, ctxFor(index));
      // The stat cache's rows served this stage's fingerprint; the rest of the run does not need them.
      session.hasher.release();
      const { node, key } = planned;
      current = node.id;
      if (planned.entry) {
        await planned.written;
        const entry = planned.entry;
        cacheHits++;
        hashes[index] = entry.outputHash;
        emit({ type: 'stage-cached', at: Date.now(), stage: node.id, key, ...(planned.source === 'remote' ? { source: 'remote' as const } : {}) });
        summaries.push({ stage: node.id, kind: node.kind, key, cached: true, ms: 0, summary: entry.summary });
        if ((await session.store.readIndex(pipeline.name, node.id))?.key !== key) {
          await session.store.writeIndex(pipeline.name, node.id, { key, inputs: planned.inputs, at: new Date().toISOString() });
        }
        outputs[index] = cachedOutput(index, entry);
        return;
      }
      const previous = await session.store.readIndex(pipeline.name, node.id);
      emit({ type: 'stage-start', at: Date.now(), stage: node.id, key, reasons: await missReasons(session, planned) });
      const input = index > 0 ? await outputs[index - 1]!() : undefined;
      const result = await runStage(planned, input);
      hashes[index] = result.entry.outputHash;
      const ms = Date.now() - planStarted;
      const unchangedOutput = previous !== undefined && (await session.store.get(previous.key))?.outputHash === result.entry.outputHash;
      emit({ type: 'stage-done', at: Date.now(), stage: node.id, key, ms, summary: result.entry.summary, unchangedOutput });
      // Freed C heap back to the system between stages: ingest's per-file allocations would stay resident to the end.
      nativeCodec()?.trimMemory?.();
      summaries.push({ stage: node.id, kind: node.kind, key, cached: false, ms, summary: result.entry.summary });
      await session.store.writeIndex(pipeline.name, node.id, { key, inputs: planned.inputs, at: new Date().toISOString() });
      const value = result.value;
      outputs[index] = async () => value;
      current = undefined;
    });

  const finish = work(async (emit) => {
    current = undefined;
    // Every stage was planned, so loaded, by now.
    const loaded = await Promise.all(stages.map(loadStage));
    // A stage's output is let go once nothing is left to write from it: the outputs without files
    // now, the others after their export, all before the history and report.html. At 10^5 images
    // they hold the samples, rows and predictions (tens of MB), and V8 lets the heap grow to a
    // multiple of what is live before it collects, so what the end of the run keeps shows up
    // several times over in its peak RSS.
    const take = (i: number) => {
      const output = outputs[i]!;
      outputs[i] = released;
      return output();
    };
    loaded.forEach((stage, i) => !stage.impl.export && (outputs[i] = released));
    const files = await exportOutputs(
      outDir,
      loaded.map((stage, i) => ({
        id: stage.node.id,
        outputHash: hashes[i]!,
        output: () => take(i),
        export: stage.impl.export,
        key: summaries.find((s) => s.stage === stage.node.id)?.key,
        // Only a stage that exports has its export keyed (its config and environment are not free to compute).
        ...(stage.impl.export && {
          exportInputs: {
            kind: `${stage.definition.kind}.export`,
            version: stage.definition.version,
            config: canonicalConfig(stage.node.config),
            upstream: { stage: stage.node.id, outputHash: hashes[i]! },
            env: session.env(stage.definition),
          },
        }),
      })),
      (id) => (current = id),
      { store: session.store, pipeline: pipeline.name },
    );
    current = undefined;
    outputs.fill(released);
    files.push(...(await recordRun(emit, true, files)));
    await writeRunReport(outDir, {
      runId,
      pipeline: pipeline.name,
      seed: session.seed,
      backend: session.backendName,
      stages: summaries,
      files,
      ms: Date.now() - started,
    });
    await session.hasher.save();
    await session.close();
    emit({ type: 'run-done', at: Date.now(), ok: true, ms: Date.now() - started, cacheHits, outputDir: outDir });
  });

  const failed = (error: unknown): Observable<RunEvent> =>
    work(async (emit) => {
      await session.hasher.save().catch(() => undefined);
      await session.close().catch(() => undefined);
      const wrapped = current ? wrapStageError(error, current) : error;
      const info = toErrorInfo(wrapped);
      if (current && !isAbortError(wrapped)) emit({ type: 'stage-failed', at: Date.now(), stage: current, error: info });
      await recordRun(emit, false, [], info);
      emit({ type: 'run-done', at: Date.now(), ok: false, ms: Date.now() - started, cacheHits, error: info });
    });

  return concat(
    of<RunEvent>({
      type: 'run-start',
      at: Date.now(),
      runId,
      pipeline: pipeline.name,
      stages: pipeline.stages.map((s) => ({ id: s.id, kind: s.kind })),
      backend: session.backendName,
      cacheDir: session.store.dir,
      ...(session.store.remote ? { remote: `${session.store.remote.url} (${session.store.remote.mode})` } : {}),
      ...(options.redis ? { executor: session.executor.describe } : {}),
    }),
    concat(prepare, defer(() => from(stages.map((_, i) => i))).pipe(concatMap(stageEvents)), finish).pipe(catchError(failed)),
  );
}
