/**
 * A limit on how many calls of some work run at once: the others wait their turn, first come first
 * served. The limit is asked for on every call (it may follow a setting).
 * @example
 *   const inTurn = turns(() => 2);
 *   await inTurn(() => decode(files)); // at most two decode at once
 */
export function turns(limit: () => number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    while (running >= Math.max(1, limit())) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
