/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import { Box, Text } from 'ink';
import type { RunState } from '../reducer.ts';
import { formatDuration } from '../../view/format.ts';

const PHASE: Record<RunState['phase'], { readonly label: string; readonly color?: string }> = {
  idle: { label: 'starting' },
  running: { label: 'running', color: 'yellow' },
  done: { label: 'done', color: 'green' },
  failed: { label: 'failed', color: 'red' },
  cancelled: { label: 'cancelled', color: 'yellow' },
};

/** Pipeline name, backend, and the run's phase with its elapsed time. */
export function Header({ state, quitting }: { readonly state: RunState; readonly quitting: boolean }) {
  const phase = PHASE[state.phase];
  const elapsed = state.ms ?? (state.now !== undefined && state.startedAt !== undefined ? state.now - state.startedAt : undefined);
  return (
    <Box>
      <Text bold>medpipe</Text>
      <Text> · {state.pipeline ?? '…'}</Text>
      <Text dimColor> · backend </Text>
      <Text>{state.backend ?? '…'}</Text>
      {state.executor && <Text dimColor> · units on {state.executor}</Text>}
      {state.remote && <Text dimColor> · remote {state.remote}</Text>}
      <Text> · </Text>
      <Text color={phase.color}>{quitting && state.phase === 'running' ? 'stopping…' : phase.label}</Text>
      {elapsed !== undefined && <Text dimColor> {formatDuration(elapsed)}</Text>}
    </Box>
  );
}
