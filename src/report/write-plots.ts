import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfusionCounts } from '../metrics/confusion.ts';
import { MedpipeError } from '../base/errors.ts';
import { confusionMatrixSpec } from './confusion-matrix-spec.ts';
import { lossCurveSpec } from './loss-curve-spec.ts';
import { metricCurvesSpec } from './metric-curves-spec.ts';
import { prCurveSpec, type PrCurveInput } from './pr-curve-spec.ts';
import { reliabilitySpec, type ReliabilityInput } from './reliability-spec.ts';
import { rocCurveSpec, type RocCurveInput } from './roc-curve-spec.ts';
import type { EpochRecord, VegaLiteSpec } from './vega-lite-spec.ts';

export interface PlotInput {
  /** history.json's records; when empty (a model evaluated without training) loss/metrics plots are skipped. */
  readonly history: readonly EpochRecord[];
  /** Epoch restored by EarlyStopping, marked on the loss plot. @default undefined */
  readonly bestEpoch?: number;
  readonly confusion: ConfusionCounts;
  readonly classNames: readonly string[];
  readonly threshold: number;
  /** Split the confusion matrix was counted on. @default 'test' */
  readonly split?: string;
  readonly roc: readonly RocCurveInput[];
  readonly pr: readonly PrCurveInput[];
  /** The reliability diagram with its score histogram. @default undefined (not drawn) */
  readonly reliability?: ReliabilityInput;
  /** Also write PNG versions (via sharp). @default true */
  readonly png?: boolean;
  /** PNG pixel density multiplier. @default 2 */
  readonly pngScale?: number;
}

/**
 * Writes loss, metrics, confusion_matrix, roc, pr (and reliability) plots as `.svg` and `.png` into `outDir`
 * (created if missing) and returns the written paths in that order.
 *
 * @example
 *   const files = await writePlots(join(runDir, 'plots'), { history, confusion: m, classNames, threshold: m.threshold, roc, pr });
 */
export async function writePlots(outDir: string, input: PlotInput): Promise<string[]> {
  const plots: [string, VegaLiteSpec][] = [];
  if (input.history.length > 0) {
    plots.push(['loss', lossCurveSpec(input.history, { bestEpoch: input.bestEpoch })]);
    plots.push(['metrics', metricCurvesSpec(input.history)]);
  }
  plots.push(['confusion_matrix', confusionMatrixSpec(input.confusion, input.classNames, input.threshold, { split: input.split ?? 'test' })]);
  plots.push(['roc', rocCurveSpec(input.roc)]);
  plots.push(['pr', prCurveSpec(input.pr)]);
  if (input.reliability) plots.push(['reliability', reliabilitySpec(input.reliability)]);
  return writeSpecs(outDir, plots, input);
}

/**
 * Renders named Vega-Lite specs into `outDir` as `<name>.svg` (and `.png`), in order; returns the paths.
 * @example
 *   await writeSpecs(dir, [['roc', rocCurveSpec(curves)]], { png: true });
 */
export async function writeSpecs(
  outDir: string,
  plots: readonly (readonly [string, VegaLiteSpec])[],
  input: { readonly png?: boolean; readonly pngScale?: number },
): Promise<string[]> {
  try {
    await mkdir(outDir, { recursive: true });
  } catch (cause) {
    throw new MedpipeError('BAD_FILE', `Cannot create the plot folder ${outDir}.`, { file: outDir, cause, fix: 'Check that the output folder is writable.' });
  }
  // vega, vega-lite and sharp load when plots are drawn, not with every module that can draw them.
  const { renderSvg, restartSvgIds, svgToPng } = await import('./render-svg.ts');
  const written: string[] = [];
  for (const [name, spec] of plots) {
    // Each file is a page of its own: its ids start at 0, so its bytes do not depend on what the
    // process rendered before (a run that wrote report.html first numbered its gradients on).
    restartSvgIds();
    const svg = await renderSvg(spec);
    const svgPath = join(outDir, `${name}.svg`);
    await writeFile(svgPath, svg);
    written.push(svgPath);
    if (input.png ?? true) {
      const pngPath = join(outDir, `${name}.png`);
      await writeFile(pngPath, await svgToPng(svg, input.pngScale ?? 2));
      written.push(pngPath);
    }
  }
  return written;
}
