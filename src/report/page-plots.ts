/**
 * The plots of one report page, rendered through vega once per evaluation. report.html is written
 * on every run (it names the run), but its plots depend only on the evaluation document and on the
 * code that turns it into Vega-Lite specs: a rerun whose evaluation did not change takes their SVG
 * from a memo instead of building the specs, loading vega and drawing curves of 10^4–10^5 points
 * again (about 1 s and 150 MB of heap for the 100k bench pipeline).
 * @example
 *   const svgs = await renderPagePlots('binary', () => ({ roc: rocCurveSpec(curves), pr: undefined }), { memo, document });
 *   svgs.roc; // '<svg …'
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VegaLiteSpec } from './vega-lite-spec.ts';

/** Where rendered pages of plots are kept, by key (a run's cache: src/runtime/plot-memo.ts). */
export interface PlotMemo {
  /** A page's SVGs by plot name (the plots it has). */
  get(key: string): Promise<Readonly<Record<string, string>> | undefined>;
  put(key: string, svgs: Readonly<Record<string, string>>): Promise<void>;
}

/** A memo and the document the page is drawn from. */
export interface MemoisedPlots {
  readonly memo: PlotMemo;
  /** The sha256 of the evaluation document (as written to the output folder) the specs are built from. */
  readonly document: string;
}

/** A page's SVGs by plot name: a string for every spec that was given. */
export type Rendered<T> = { readonly [K in keyof T]: T[K] extends VegaLiteSpec ? string : string | undefined };

let drawing: string | undefined;
/**
 * What else decides the SVG bytes: vega's and vega-lite's versions and the source of every module
 * of src/report (the spec builders and the pages that feed them live there; any edit there
 * redraws rather than risk a stale plot).
 */
function drawingCode(): string {
  if (drawing === undefined) {
    const require = createRequire(import.meta.url);
    const version = (name: string) => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    const hash = createHash('sha256').update(`vega ${version('vega')}, vega-lite ${version('vega-lite')}\n`);
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) hash.update(`${entry.name}\n`).update(readFileSync(path));
      }
    };
    walk(fileURLToPath(new URL('.', import.meta.url)));
    drawing = hash.digest('hex');
  }
  return drawing;
}

/** The memo key of one page kind's plots drawn from one document. */
export function pagePlotsKey(page: string, document: string): string {
  return createHash('sha256').update(`medpipe page plots 1\n${page}\n${drawingCode()}\n${document}`).digest('hex');
}

/**
 * Each defined spec's SVG, rendered in the record's order after restarting vega's SVG ids (so a
 * page's bytes do not depend on what the process drew before), or all of them from the memo.
 * `specs` is called only when the memo has no page for this document.
 */
export async function renderPagePlots<T extends Record<string, VegaLiteSpec | undefined>>(
  page: string,
  specs: () => T,
  memoised?: MemoisedPlots,
): Promise<Rendered<T>> {
  const key = memoised ? pagePlotsKey(page, memoised.document) : undefined;
  const hit = key ? await memoised!.memo.get(key).catch(() => undefined) : undefined;
  if (hit) return hit as Rendered<T>;
  const all = specs();
  // vega, vega-lite and sharp load only here: a page served from the memo never loads them.
  const { renderSvg, restartSvgIds } = await import('./render-svg.ts');
  restartSvgIds();
  const svgs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(all)) if (spec !== undefined) svgs[name] = await renderSvg(spec);
  // A memo that cannot be written costs the next run a render, never this report.
  if (key) await memoised!.memo.put(key, svgs).catch(() => undefined);
  return svgs as Rendered<T>;
}
