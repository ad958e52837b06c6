/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import path from 'node:path';
import { Box, Text } from 'ink';
import type { WatchView } from '../reducer.ts';
import type { ChangeEvent } from '../../runtime/watch-events.ts';

const MARK: Record<ChangeEvent['kind'], string> = { add: '+', change: '~', unlink: '-' };
const SHOWN = 3;

const STATUS: Record<WatchView['status'], string> = {
  running: 'watching · running',
  cancelling: 'watching · a change made the run stale: cancelling it…',
  waiting: 'watching · waiting for changes',
  error: 'watching · the run could not start',
  stopped: 'stopped watching',
};

/** Watch mode only: what changed last, and where the watcher stands. */
export function ChangesPanel({ watch }: { readonly watch: WatchView }) {
  const shown = watch.changes.slice(0, SHOWN);
  const more = watch.changes.length - shown.length;
  return (
    <Box flexDirection="column">
      <Text color="blue">{STATUS[watch.status]}</Text>
      {watch.changes.length > 0 && (
        <Text wrap="truncate-end">
          changed: {shown.map((c) => `${MARK[c.kind]} ${display(c.path)}`).join(', ')}
          {more > 0 && ` and ${more} more`}
        </Text>
      )}
      {watch.error && (
        <Text color="red" wrap="truncate-end">
          {watch.error.message.split('\n', 1)[0]}
          {watch.error.fix && ` · fix: ${watch.error.fix}`}
        </Text>
      )}
    </Box>
  );
}

function display(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
