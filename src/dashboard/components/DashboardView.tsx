/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (pragmas: user pipelines run from folders without our tsconfig, where tsx would default to classic JSX)
import { Box } from 'ink';
import type { RunState } from '../reducer.ts';
import { Header } from './Header.tsx';
import { StageRow } from './StageRow.tsx';
import { FitPanel } from './FitPanel.tsx';
import { UnitsPanel } from './UnitsPanel.tsx';
import { ChangesPanel } from './ChangesPanel.tsx';
import { Footer } from './Footer.tsx';

export interface DashboardViewProps {
  readonly state: RunState;
  /** `q` was pressed: the run is being cancelled. @default false */
  readonly quitting?: boolean;
  /** Whether the `q` key works (stdin is a TTY). @default true */
  readonly canQuit?: boolean;
}

/**
 * The whole dashboard for one RunState, without any input handling: easy to render in tests.
 * Stage rows stay in pipeline order in one live list (not `<Static>`): watch mode redraws every
 * stage on each rerun, which `<Static>` cannot take back.
 */
export function DashboardView({ state, quitting = false, canQuit = true }: DashboardViewProps) {
  const idWidth = Math.max(8, ...state.stages.map((s) => s.id.length));
  return (
    <Box flexDirection="column">
      <Header state={state} quitting={quitting} />
      {state.watch && <ChangesPanel watch={state.watch} />}
      <Box flexDirection="column" marginY={1}>
        {state.stages.map((stage) => (
          <Box key={stage.id} flexDirection="column">
            <StageRow stage={stage} idWidth={idWidth} now={state.now} />
            {stage.fit && (stage.status === 'running' || stage.status === 'done' || stage.status === 'cancelled') && (
              <FitPanel fit={stage.fit} indent={idWidth + 3} finished={stage.status !== 'running'} />
            )}
            {stage.units && stage.units.length > 0 && stage.status === 'running' && <UnitsPanel units={stage.units} indent={idWidth + 3} />}
          </Box>
        ))}
      </Box>
      <Footer state={state} canQuit={canQuit && !quitting && (state.phase === 'running' || state.phase === 'idle' || state.watch !== undefined)} />
    </Box>
  );
}
