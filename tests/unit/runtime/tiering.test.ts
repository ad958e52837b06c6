// A run raises V8's tier-up budget (runtime/tiering.ts): set at run time it takes effect (checked
// in a process of its own: a function runs several times as many calls before V8 optimises it),
// a training stage runs with V8's own, it is restored when the run ends, and the user's own
// setting wins.
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runTieringBudget } from '../../../src/runtime/tiering.ts';
import { ROOT } from '../../helpers/core.ts';

const Tiering = suite('V8 tier-up budget during a run');

/**
 * How many calls of a small loop V8 takes to optimise it: with V8's budget, the run's raised one,
 * after the run restored it, or inside a stage that trains (ownTieringBudget).
 */
function callsToOptimise(mode: 'default' | 'raised' | 'restored' | 'training'): number {
  const script = `
    import { ownTieringBudget, raiseTieringBudget } from './src/runtime/tiering.ts';
    ${mode === 'default' ? '' : 'const restore = raiseTieringBudget();'}
    ${mode === 'restored' ? 'restore();' : ''}
    function work(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * 7) % 1000003; return s; }
    const measure = async () => {
      let calls = 0;
      // Bit 16 of %GetOptimizationStatus: optimised (compiled synchronously: --no-concurrent-recompilation).
      while ((%GetOptimizationStatus(work) & 16) === 0 && calls < 10000) { work(200); calls++; }
      return calls;
    };
    const calls = ${mode === 'training' ? 'await ownTieringBudget(measure)' : 'await measure()'};
    console.log(JSON.stringify({ calls }));`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', MEDPIPE_V8_TIERING: '' },
  });
  assert.is(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { calls: number }).calls;
}

Tiering('the raised budget takes effect at run time; a training stage and the run end give V8 its own back', () => {
  const [own, raised, restored, training] = (['default', 'raised', 'restored', 'training'] as const).map(callsToOptimise);
  console.log(`    calls before V8 optimises a small loop: own budget ${own}, raised ${raised}, restored ${restored}, training ${training}`);
  assert.ok(raised! >= 4 * own! && raised! < 10000, `raised ${raised} vs own ${own}`);
  assert.ok(restored! < 2 * own!, `restored ${restored} vs own ${own}`);
  assert.ok(training! < 2 * own!, `training ${training} vs own ${own}`);
});

Tiering('the budget: raised by default, MEDPIPE_V8_TIERING=default and the user own flag leave V8 alone', () => {
  assert.is(runTieringBudget({}, []), 8 * 67_584);
  assert.is(runTieringBudget({ MEDPIPE_V8_TIERING: 'default' }, []), undefined);
  assert.is(runTieringBudget({ NODE_OPTIONS: '--expose-gc --interrupt-budget=100000' }, []), undefined);
  assert.is(runTieringBudget({}, ['--interrupt_budget=100000']), undefined);
});

Tiering.run();
