// A run bounds how far V8 lets the heap grow past what is live (runtime/heap-growth.ts): the flag
// takes effect when set at run time (checked in a process of its own: ~40 MiB live, garbage
// churned through the old generation), the user's own setting wins, and a bad value is refused.
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_HEAP_GROWTH_PERCENT, runHeapGrowth } from '../../../src/runtime/heap-growth.ts';
import { ROOT } from '../../helpers/core.ts';
import { throwsCode } from '../../helpers/expect-error.ts';

const Growth = suite('heap growth bound during a run');

/** Peak heap (MiB) of a process that keeps ~40 MiB live and churns garbage, with `percent` set by boundHeapGrowth (none: V8's own). */
function peakHeap(percent?: number): number {
  const script = `
    import { boundHeapGrowth } from './src/runtime/heap-growth.ts';
    ${percent === undefined ? '' : `boundHeapGrowth(${percent});`}
    const live = Array.from({ length: 300000 }, (_, i) => ({ id: 'sample/' + i, n: i }));
    let peak = 0;
    for (let round = 0; round < 60; round++) {
      globalThis.kept = Array.from({ length: 40000 }, (_, i) => ({ a: 'x' + i + round, b: [i, round] }));
      peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    console.log(JSON.stringify({ peak: peak / 2 ** 20, live: live.length }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.is(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { peak: number }).peak;
}

Growth('a bound set at run time keeps the heap well below what V8 lets it reach on its own', () => {
  const own = peakHeap();
  const bounded = peakHeap(20);
  console.log(`    heap peak: V8's own growth ${own.toFixed(0)} MiB, bounded to 1.2x live ${bounded.toFixed(0)} MiB`);
  assert.ok(bounded < own * 0.75, `bounded ${bounded.toFixed(0)} MiB vs ${own.toFixed(0)} MiB`);
});

Growth('the percent: default, MEDPIPE_HEAP_GROWTH, the user own flag wins, bad values refused', () => {
  assert.is(runHeapGrowth({}, []), DEFAULT_HEAP_GROWTH_PERCENT);
  assert.is(runHeapGrowth({ MEDPIPE_HEAP_GROWTH: '0' }, []), 0);
  assert.is(runHeapGrowth({ MEDPIPE_HEAP_GROWTH: '100' }, []), 100);
  assert.is(runHeapGrowth({ NODE_OPTIONS: '--expose-gc --heap-growing-percent=30' }, []), undefined);
  assert.is(runHeapGrowth({}, ['--heap_growing_percent=30']), undefined);
  throwsCode(() => runHeapGrowth({ MEDPIPE_HEAP_GROWTH: 'lots' }, []), 'INVALID_CONFIG', /MEDPIPE_HEAP_GROWTH=lots/);
  throwsCode(() => runHeapGrowth({ MEDPIPE_HEAP_GROWTH: '-5' }, []), 'INVALID_CONFIG', /whole number/);
});

Growth.run();
