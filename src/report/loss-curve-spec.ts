import { MedpipeError } from '../base/errors.ts';
import { BASE_CONFIG, SPLIT_COLORS, VEGA_LITE_SCHEMA, type EpochRecord, type VegaLiteSpec } from './vega-lite-spec.ts';

export interface LossCurveOptions {
  /** Marks this epoch with a dashed rule, e.g. the one EarlyStopping restored. @default undefined (no mark) */
  readonly bestEpoch?: number;
  /** @default 'Loss per epoch: train vs validation' */
  readonly title?: string;
}

/**
 * Train (`loss`) and validation (`val_loss`) loss per epoch on a log-scale y axis. Non-positive or
 * non-finite losses cannot sit on a log scale and are left out of the plot.
 *
 * @example
 *   await renderSvg(lossCurveSpec(history, { bestEpoch: 7 }));
 */
export function lossCurveSpec(history: readonly EpochRecord[], options: LossCurveOptions = {}): VegaLiteSpec {
  checkHistory(history);
  const values: { epoch: number; split: string; loss: number }[] = [];
  for (const row of history) {
    for (const [key, split] of [
      ['loss', 'train'],
      ['val_loss', 'validation'],
    ] as const) {
      const v = row[key];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) values.push({ epoch: row.epoch, split, loss: v });
    }
  }
  const splits = [...new Set(values.map((v) => v.split))];
  const lines = {
    data: { values },
    mark: { type: 'line' as const, point: { size: 30 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'loss', type: 'quantitative' as const, title: 'Loss (log scale)', scale: { type: 'log' as const, nice: false, padding: 8 } },
      color: {
        field: 'split',
        type: 'nominal' as const,
        title: 'Split',
        scale: { domain: splits, range: splits.map((s) => SPLIT_COLORS[s as keyof typeof SPLIT_COLORS]) },
      },
      tooltip: [{ field: 'split' }, { field: 'epoch' }, { field: 'loss', format: '.4f' }],
    },
  };
  const layer: object[] = [lines];
  if (options.bestEpoch !== undefined) {
    layer.push({
      data: { values: [{ epoch: options.bestEpoch, label: `best epoch ${options.bestEpoch}` }] },
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 4], color: '#555555' }, encoding: { x: { field: 'epoch', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, color: '#555555', fontSize: 11 },
          encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? 'Loss per epoch: train vs validation',
    width: 520,
    height: 320,
    config: BASE_CONFIG,
    layer,
  } as VegaLiteSpec;
}

export function checkHistory(history: readonly EpochRecord[]): void {
  if (!Array.isArray(history) || history.length === 0) {
    throw new MedpipeError('INVALID_CONFIG', 'Cannot plot an empty training history.', {
      fix: 'Pass the per-epoch records of history.json (at least one epoch), or skip the training plots.',
    });
  }
  history.forEach((row, i) => {
    if (typeof row?.epoch !== 'number' || !Number.isFinite(row.epoch)) {
      throw new MedpipeError('INVALID_CONFIG', `History record ${i} has no numeric "epoch".`, {
        fix: 'Each history record needs { epoch: number, loss: number, … }.',
      });
    }
  });
}
