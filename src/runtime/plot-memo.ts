/**
 * report.html's plots memoised in a run's cache: an entry per page of SVGs, named by the specs'
 * key (src/report/page-plots.ts), kept and dropped by `clean --keep-last` with the stage entry it
 * was drawn for (`parent`), verified like every entry and object, never uploaded to a remote cache.
 * @example
 *   await finishRun(run, { cacheDir, plots: cachedPlots(store, 'xray', evaluateKey) });
 */
import type { PlotMemo } from '../report/page-plots.ts';
import type { CacheStore } from './cache-store.ts';

const KIND = 'report.plots';
const BLOB = 'plots.json';

export function cachedPlots(store: CacheStore, pipeline: string, parent: string | undefined): PlotMemo {
  return {
    async get(key) {
      const entry = await store.get(key);
      const artifact = entry?.kind === KIND ? await store.load(entry) : undefined;
      const bytes = artifact?.blobs[BLOB];
      return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as Record<string, string>) : undefined;
    },
    async put(key, svgs) {
      await store.put(
        {
          key,
          stage: 'report',
          kind: KIND,
          pipeline,
          inputs: { kind: KIND, version: 1, config: { plots: key }, upstream: null, env: {} },
          summary: `${Object.keys(svgs).length} plots`,
          ms: 0,
          ...(parent !== undefined ? { parent } : {}),
        },
        { meta: { plots: Object.keys(svgs) }, blobs: { [BLOB]: new TextEncoder().encode(JSON.stringify(svgs)) } },
        // A memo of this machine's reports: not worth a remote's space (a clean checkout draws them once).
        { local: true },
      );
    },
  };
}
