/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import { Box, Text } from 'ink';
import type { RunState } from '../reducer.ts';

/** Recent log lines, the run-level error, cache hits, where outputs went, and the keys. */
export function Footer({ state, canQuit }: { readonly state: RunState; readonly canQuit: boolean }) {
  const runError = state.error && !state.stages.some((s) => s.error) && !state.watch?.error ? state.error : undefined;
  const bits = [
    `cache hits ${state.cacheHits}${state.stages.length > 0 ? `/${state.stages.length}` : ''}`,
    state.cacheDir && `cache ${state.cacheDir}`,
    state.outputDir && `outputs → ${state.outputDir}`,
    canQuit && 'q quit',
  ].filter(Boolean);
  return (
    <Box flexDirection="column">
      {state.logs.map((log, i) => (
        <Text key={i} color={log.level === 'warn' ? 'yellow' : undefined} dimColor={log.level === 'info'} wrap="truncate-end">
          {log.stage ? `[${log.stage}] ` : ''}
          {log.message}
        </Text>
      ))}
      {runError && runError.code !== 'CANCELLED' && (
        <Text color="red">
          {runError.message}
          {runError.fix && ` · fix: ${runError.fix}`}
        </Text>
      )}
      <Text dimColor wrap="truncate-end">
        {bits.join(' · ')}
      </Text>
    </Box>
  );
}
