/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import { Box, Text } from 'ink';
import type { UnitView } from '../reducer.ts';
import { formatDuration, formatMetric } from '../../view/format.ts';

/** At most this many rows: running and retrying units first, then queued, then finished. */
export const MAX_UNIT_ROWS = 10;

const ORDER: Record<UnitView['state'], number> = { running: 0, retrying: 1, failed: 2, queued: 3, done: 4, cached: 5 };
const COLOR: Partial<Record<UnitView['state'], string>> = { running: 'yellow', retrying: 'magenta', failed: 'red', done: 'green', cached: 'cyan' };

function where(unit: UnitView): string {
  if (unit.state === 'cached') return unit.source === 'worker' ? `cache of ${unit.worker ?? 'a worker'}` : `${unit.source ?? 'local'} cache`;
  return unit.worker ?? '';
}

function detail(unit: UnitView): string {
  const epoch = unit.epoch !== undefined ? `epoch ${unit.epoch}/${unit.epochs ?? '?'}` : '';
  const auc = unit.val.auc !== undefined ? ` val auc ${formatMetric('auc', unit.val.auc)}` : '';
  if (unit.state === 'done') return `${unit.ms !== undefined ? formatDuration(unit.ms) : ''}${auc}`;
  if (unit.state === 'retrying') return unit.message ?? '';
  return `${epoch}${auc}`;
}

/**
 * The units of a running stage (tune trials, folds), one row each: state, which worker has it,
 * its epoch and last validation AUC — live from every worker through the run's event stream.
 */
export function UnitsPanel({ units, indent }: { readonly units: readonly UnitView[]; readonly indent: number }) {
  const finished = units.filter((u) => u.state === 'done' || u.state === 'cached').length;
  const rows = [...units].sort((a, b) => ORDER[a.state] - ORDER[b.state]).slice(0, MAX_UNIT_ROWS);
  const labelWidth = Math.min(48, Math.max(...rows.map((u) => u.label.length)));
  return (
    <Box flexDirection="column" marginLeft={indent}>
      <Text dimColor>
        units: {finished}/{units.length} finished
      </Text>
      {rows.map((unit) => (
        <Box key={unit.key}>
          <Text>{unit.label.slice(0, labelWidth).padEnd(labelWidth)} </Text>
          <Text color={COLOR[unit.state]}>{unit.state.padEnd(8)} </Text>
          <Text dimColor>{where(unit).padEnd(18)} </Text>
          <Text>{detail(unit)}</Text>
        </Box>
      ))}
      {units.length > rows.length && <Text dimColor>… {units.length - rows.length} more</Text>}
    </Box>
  );
}
