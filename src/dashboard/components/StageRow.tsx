/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import { Box, Text } from 'ink';
import type { StageStatus, StageView } from '../reducer.ts';
import { describeMissReason, formatDuration, formatRate, progressBar, shortKey } from '../../view/format.ts';

const GLYPH: Record<StageStatus, { readonly char: string; readonly color?: string }> = {
  waiting: { char: '·' },
  cached: { char: '✓', color: 'cyan' },
  running: { char: '▶', color: 'yellow' },
  done: { char: '✓', color: 'green' },
  failed: { char: '✗', color: 'red' },
  cancelled: { char: '■', color: 'yellow' },
};

export interface StageRowProps {
  readonly stage: StageView;
  /** Width of the stage-name column, so rows line up. */
  readonly idWidth: number;
  /** The run's clock (time of the last event). */
  readonly now?: number;
}

/** One stage: status glyph, name, and what it is doing; below it, why it reruns and any fix. */
export function StageRow({ stage, idWidth, now }: StageRowProps) {
  const glyph = GLYPH[stage.status];
  // "Not in cache yet" is worth saying while a stage runs, not on every finished row of a first run.
  const reasons = stage.status === 'running' || stage.status === 'failed' ? stage.reasons : stage.reasons.filter((r) => r.kind !== 'new');
  const showReasons = reasons.length > 0 && stage.status !== 'cached' && stage.status !== 'waiting';
  return (
    <Box flexDirection="column">
      <Box>
        {/* Fixed columns; only the detail gives way (truncated) on a narrow terminal. */}
        <Box flexShrink={0}>
          <Text color={glyph.color}>{glyph.char} </Text>
          <Text bold={stage.status === 'running'}>{stage.id.padEnd(idWidth)} </Text>
        </Box>
        <Box flexShrink={1}>
          <Detail stage={stage} now={now} />
        </Box>
      </Box>
      {showReasons && (
        <Text dimColor wrap="truncate-end">
          {' '.repeat(idWidth + 3)}↳ {reasons.map(describeMissReason).join('; ')}
        </Text>
      )}
      {stage.status === 'failed' && stage.error?.fix && (
        <Text color="red" wrap="truncate-end">
          {' '.repeat(idWidth + 3)}fix: {stage.error.fix}
        </Text>
      )}
    </Box>
  );
}

function Detail({ stage, now }: { readonly stage: StageView; readonly now?: number }) {
  switch (stage.status) {
    case 'waiting':
      return <Text dimColor>waiting</Text>;
    case 'cached':
      return (
        <Text>
          cached <Text dimColor>{stage.key ? shortKey(stage.key) : ''}</Text>
        </Text>
      );
    case 'running': {
      const p = stage.progress;
      if (p) {
        const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 0;
        // A fit row's rate and ETA come from its batches, in the fit panel below; epochs/s says little.
        const extra = [
          p.rate !== undefined && !stage.fit ? formatRate(p.rate, p.unit) : undefined,
          p.etaMs !== undefined && p.done < p.total && !stage.fit ? `ETA ${formatDuration(p.etaMs)}` : undefined,
          p.note,
        ].filter(Boolean);
        return (
          <Text wrap="truncate-end">
            <Text color="yellow">{progressBar(p.done, p.total)}</Text> {String(pct).padStart(3)}% {p.done}/{p.total} {p.unit}
            {extra.length > 0 && <Text dimColor> · {extra.join(' · ')}</Text>}
          </Text>
        );
      }
      const elapsed = now !== undefined && stage.startedAt !== undefined ? now - stage.startedAt : undefined;
      return (
        <Text>
          {stage.fit ? 'fitting' : 'running'}
          {elapsed !== undefined && elapsed > 0 ? ` ${formatDuration(elapsed)}` : ''}
        </Text>
      );
    }
    case 'done':
      return (
        <Text wrap="truncate-end">
          done in {formatDuration(stage.ms ?? 0)}
          {stage.summary && <Text dimColor> · {stage.summary}</Text>}
          {stage.unchangedOutput && <Text dimColor> · output unchanged, downstream kept</Text>}
        </Text>
      );
    case 'failed':
      return (
        <Text color="red" wrap="truncate-end">
          failed: {stage.errorLine ?? 'unknown error'}
        </Text>
      );
    case 'cancelled':
      return <Text color="yellow">cancelled</Text>;
  }
}
