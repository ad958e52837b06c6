import type { Executor } from './executor.ts';

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * The BullMQ executor, loaded on first use: a run whose stages have no units (or whose units all
 * come from the cache) never loads BullMQ or opens a connection.
 * @example
 *   const executor = lazyBullmq('redis://127.0.0.1:6379');
 */
export function lazyBullmq(url: string): Executor {
  let loaded: Promise<Executor> | undefined;
  const get = () => (loaded ??= import('./bullmq/coordinator.ts').then((m) => m.bullmqExecutor(url)));
  return {
    describe: `BullMQ at ${redactUrl(url)}`,
    runner: (scope) => ({ parallel: true, run: async (definition, items, work) => (await get()).runner(scope).run(definition, items, work) }),
    close: async () => {
      if (loaded) await (await loaded).close();
    },
  };
}
