/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import { Box, Text } from 'ink';
import type { FitView } from '../reducer.ts';
import { formatDuration, formatMetric, progressBar } from '../../view/format.ts';
import { sparkline } from '../sparkline.ts';

/**
 * The per-epoch metrics, in the order a reader expects; only those a task logs are shown (binary:
 * the tutorial's; K classes: balanced accuracy, macro auc, kappa, qwk; findings: micro auc, hamming
 * loss, subset accuracy); others are not shown here.
 */
const COLUMNS = [
  ['loss', 'loss'],
  ['accuracy', 'accuracy'],
  ['balanced_accuracy', 'bal acc'],
  ['precision', 'precision'],
  ['recall', 'recall'],
  ['auc', 'auc'],
  ['micro_auc', 'micro auc'],
  ['specificity_at_sensitivity', 'spec@sens'],
  ['kappa', 'kappa'],
  ['qwk', 'qwk'],
  ['hamming_loss', 'hamming'],
  ['subset_accuracy', 'subset acc'],
] as const;
const CELL = 10;

export interface FitPanelProps {
  readonly fit: FitView;
  /** Indent so the panel sits under its stage row. */
  readonly indent: number;
  /** The stage has ended (done, or cancelled): no batch bar or ETA, only what was reached. @default false */
  readonly finished?: boolean;
}

/** Epoch/batch progress, the metrics table (train vs validation), best val_auc, patience, sparklines. */
export function FitPanel({ fit, indent, finished = false }: FitPanelProps) {
  const columns = COLUMNS.filter(([key]) => fit.train[key] !== undefined || fit.val[key] !== undefined);
  const eta =
    fit.etaMs !== undefined ? `ETA ${formatDuration(fit.etaMs)}` : fit.epochEtaMs !== undefined ? `epoch ETA ${formatDuration(fit.epochEtaMs)}` : undefined;
  const bits = [
    fit.bestValAuc ? `best val_auc ${formatMetric('auc', fit.bestValAuc.value)} (epoch ${fit.bestValAuc.epoch})` : undefined,
    fit.best && fit.best.monitor !== 'val_auc' ? `best ${fit.best.monitor} ${formatMetric(fit.best.monitor, fit.best.value)}` : undefined,
    fit.patienceLeft !== undefined ? `patience ${fit.patienceLeft} left` : undefined,
  ].filter(Boolean);
  return (
    <Box flexDirection="column" marginLeft={indent}>
      {finished ? (
        <Text>
          {fit.epochsDone}/{fit.epochs || '?'} epochs run{fit.loss !== undefined && ` · last batch loss ${formatMetric('loss', fit.loss)}`}
        </Text>
      ) : (
        <Text wrap="truncate-end">
          epoch {fit.epoch}/{fit.epochs || '?'} · batch <Text color="yellow">{progressBar(fit.batch, fit.batches, 16)}</Text> {fit.batch}/{fit.batches || '?'}
          {fit.loss !== undefined && ` · loss ${formatMetric('loss', fit.loss)}`}
          {eta && <Text dimColor> · {eta}</Text>}
        </Text>
      )}
      {columns.length > 0 && (
        <Box flexDirection="column">
          <Text dimColor>
            {''.padEnd(6)}
            {columns.map(([, label]) => label.padStart(CELL)).join('')}
          </Text>
          {(['train', 'val'] as const).map((split) => (
            <Text key={split}>
              {split.padEnd(6)}
              {columns.map(([key]) => (fit[split][key] === undefined ? '-' : formatMetric(key, fit[split][key])).padStart(CELL)).join('')}
            </Text>
          ))}
        </Box>
      )}
      {bits.length > 0 && <Text>{bits.join(' · ')}</Text>}
      {fit.lossHistory.length > 0 && (
        <Text>
          loss <Text color="magenta">{sparkline(fit.lossHistory)}</Text>
          {fit.valAucHistory.length > 0 && (
            <>
              {'  '}val_auc <Text color="green">{sparkline(fit.valAucHistory)}</Text>
            </>
          )}
        </Text>
      )}
    </Box>
  );
}
