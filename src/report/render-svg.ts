import sharp from 'sharp';
import * as vega from 'vega';
import { parse, View, type Spec } from 'vega';
import { compile } from 'vega-lite';
import { MedpipeError } from '../base/errors.ts';
import type { VegaLiteSpec } from './vega-lite-spec.ts';

/**
 * Restarts vega's ids of SVG gradients and clip paths (process-wide counters): the plots of one page
 * then number them 0, 1, … in the order they are rendered, unique on the page and the same whatever
 * the process rendered before — else a page's bytes depend on it (a run that exported its plots
 * first wrote another report.html than one that restored them from a cache).
 */
export function restartSvgIds(): void {
  // Exported by vega (vega-scenegraph), missing from its type declarations.
  (vega as unknown as { resetSVGDefIds?: () => void }).resetSVGDefIds?.();
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string headlessly (vega `View` with no renderer
 * attached, then `toSVG()`): no browser, no canvas. Specs must carry their data inline.
 *
 * @example
 *   const svg = await renderSvg(lossCurveSpec(history));
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  let vegaSpec: Spec;
  try {
    vegaSpec = compile(spec).spec as Spec;
  } catch (cause) {
    throw new MedpipeError('INTERNAL', `The Vega-Lite spec does not compile: ${(cause as Error).message}`, {
      cause,
      fix: 'Check the spec against https://vega.github.io/schema/vega-lite/v5.json.',
    });
  }
  // A loader that refuses URLs: plots must never reach the network or the disk while rendering.
  const loader = {
    load: () => Promise.reject(new Error('medpipe plots use inline data only')),
    sanitize: () => Promise.reject(new Error('medpipe plots use inline data only')),
    http: () => Promise.reject(new Error('no network')),
    file: () => Promise.reject(new Error('no file access')),
  };
  // logLevel 1 = vega's Error level: dataflow errors are printed, routine warnings are not.
  const view = new View(parse(vegaSpec), { renderer: 'none', loader: loader as never, logLevel: 1 });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG to PNG with sharp (librsvg). `scale` 2 gives a sharp image on high-DPI screens.
 * Text needs a font that fontconfig can find (Debian: fonts-dejavu-core).
 *
 * @example
 *   await fs.writeFile('roc.png', await svgToPng(svg));
 */
export async function svgToPng(
  svg: string,
  /** @default 2 */
  scale = 2,
): Promise<Buffer> {
  if (!(scale > 0 && scale <= 8)) {
    throw new MedpipeError('INVALID_CONFIG', `PNG scale ${scale} is outside (0, 8].`, { fix: 'Use a scale such as 1 or 2.' });
  }
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer();
}
