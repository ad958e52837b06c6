// turns(): at most `limit()` calls of the work at once, the rest in arrival order; a failing call
// gives its turn back.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { turns } from '../../../src/base/turns.ts';

const Turns = suite('turns: a limit on calls at once');

Turns('at most limit() run at once; the others start in the order they came', async () => {
  const inTurn = turns(() => 2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const release: (() => void)[] = [];
  const calls = [0, 1, 2, 3, 4].map((i) =>
    inTurn(async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise<void>((go) => release.push(go));
      running--;
      return i * 10;
    }),
  );
  for (let k = 0; k < 5; k++) {
    await new Promise((go) => setImmediate(go));
    release.shift()?.();
  }
  await new Promise((go) => setImmediate(go));
  while (release.length > 0) {
    release.shift()!();
    await new Promise((go) => setImmediate(go));
  }
  assert.equal(await Promise.all(calls), [0, 10, 20, 30, 40]);
  assert.is(most, 2);
  assert.equal(started, [0, 1, 2, 3, 4]);
});

Turns('a call that throws gives its turn back; a limit below 1 counts as 1', async () => {
  const inTurn = turns(() => 0);
  const failed = await inTurn(() => Promise.reject(new Error('disk full'))).then(
    () => 'resolved',
    (error: Error) => error.message,
  );
  assert.is(failed, 'disk full');
  assert.is(await inTurn(async () => 'next'), 'next');
});

Turns.run();
