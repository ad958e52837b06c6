/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import { useState, useSyncExternalStore } from 'react';
import { useInput, useStdin } from 'ink';
import type { RunStore } from '../store.ts';
import { DashboardView } from './DashboardView.tsx';

export interface DashboardProps {
  readonly store: RunStore;
  /** Called on `q` or Ctrl+C (each press); the caller cancels the run and lets it settle. */
  readonly onQuit: () => void;
}

/** The one container: reads the store, handles keys, passes the state down. */
export function Dashboard({ store, onQuit }: DashboardProps) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const [quitting, setQuitting] = useState(false);
  // `stdin.isTTY` is undefined (not false) for a pipe, and useInput only stands down on `false`.
  const canRead = useStdin().isRawModeSupported === true;
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) {
        setQuitting(true);
        onQuit();
      }
    },
    // Raw mode needs a TTY on stdin; `medpipe run … < /dev/null` must still draw.
    { isActive: canRead },
  );
  return <DashboardView state={state} quitting={quitting} canQuit={canRead} />;
}
