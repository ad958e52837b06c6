import { throwIfAborted } from '../../base/errors.ts';
import type { UnitDefinition, UnitItem, UnitRunner } from '../../base/units.ts';
import type { Work, WorkEvent } from '../../base/work.ts';
import type { Executor, UnitScope } from './executor.ts';
import { prepareUnit } from './unit-key.ts';

/**
 * Serves a unit from the cache (local, then remote) when it can: the decoded result, or undefined.
 * Shared by both executors: a coordinator never queues work the cache already has.
 */
export async function fromCache<R>(
  scope: UnitScope,
  definition: UnitDefinition<unknown, R>,
  key: string,
): Promise<{ result: R; source: 'local' | 'remote' } | undefined> {
  const hit = await scope.store.lookup(key);
  if (!hit) return undefined;
  const artifact = await scope.store.load(hit.entry);
  return artifact ? { result: await definition.result.decode(artifact), source: hit.source } : undefined;
}

/** Tags a unit's progress lines with its label, so the dashboard says which trial or fold is running. */
function labelled(work: Work, label: string): Work {
  return { signal: work.signal, emit: (event: WorkEvent) => work.emit(event.type === 'stage-progress' ? { ...event, note: event.note ?? label } : event) };
}

/**
 * Today's behaviour, unit by unit: in this process, one after another; each unit is served from
 * the cache when it can be and stored as its own entry when computed, so an interrupted grid
 * resumes with the points it finished.
 */
export const localExecutor: Executor = {
  describe: 'in this process',
  runner(scope: UnitScope): UnitRunner {
    return {
      parallel: false,
      async run<I, R>(definition: UnitDefinition<I, R>, items: readonly UnitItem<I>[], work: Work): Promise<R[]> {
        const results: R[] = [];
        let run: Awaited<ReturnType<typeof definition.load>> | undefined;
        for (const item of items) {
          throwIfAborted(work.signal);
          const unit = await prepareUnit(definition, item, scope.tfEnv);
          const cached = await fromCache(scope, definition as UnitDefinition<unknown, R>, unit.key);
          if (cached) {
            work.emit({ type: 'unit', unit: unit.label, key: unit.key, state: 'cached', source: cached.source });
            results.push(cached.result);
            continue;
          }
          work.emit({ type: 'unit', unit: unit.label, key: unit.key, state: 'running', worker: 'local' });
          const t0 = Date.now();
          run ??= await definition.load();
          const result = await run(item.input, labelled(work, unit.label));
          throwIfAborted(work.signal);
          const ms = Date.now() - t0;
          await scope.store.put(
            {
              key: unit.key,
              stage: scope.stage,
              kind: definition.kind,
              pipeline: scope.pipeline,
              inputs: unit.inputs,
              summary: unit.label,
              ms,
              parent: scope.parent,
            },
            await definition.result.encode(result),
          );
          work.emit({ type: 'unit', unit: unit.label, key: unit.key, state: 'done', worker: 'local', ms });
          results.push(result);
        }
        return results;
      },
    };
  },
  close: async () => undefined,
};
