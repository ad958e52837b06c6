// jsonChunks: the pieces joined are JSON.stringify's (or canonicalJson's) text, byte for byte, and a large value comes in many pieces.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, hashJson, sha256 } from '../../../src/base/canonical.ts';
import { jsonChunks } from '../../../src/base/json-chunks.ts';

const Chunks = suite('JSON in pieces');
const joined = (value: unknown, canonical = false) => [...jsonChunks(value, { canonical })].join('');

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
const awkward = {
  b: [1, -0, 0.1 + 0.2, 1e21, 5e-324, NaN, Infinity, undefined, () => 1, Symbol('s'), null, 'é ☃ 𝄞 "q" \\ \n \u2028 \ud800'],
  a: { z: undefined, y: new Date(0), x: { toJSON: (key: string) => `key:${key}` }, w: new Point(1, 2), v: new Map([[1, 2]]), u: Object.create(null) },
  'k"ey': true,
  bytes: new Uint8Array([1, 2, 3]),
  f: function named() {
    return 1;
  },
  r: /x+/g,
  nested: [[[]], [{}], [{ deep: [1, [2, [3]]] }]],
};

Chunks('plain pieces join to JSON.stringify, including its odd cases', () => {
  assert.is(joined(awkward), JSON.stringify(awkward));
  for (const value of [1, 'x', null, true, [], {}, [undefined], new Date(5), NaN]) assert.is(joined(value), JSON.stringify(value));
  assert.is(joined(undefined), '');
  assert.is([...jsonChunks(() => 1)].length, 0);
});

Chunks('canonical pieces join to canonicalJson; hashJson is its sha256', () => {
  const value = { ...awkward, b: awkward.b.filter((x) => typeof x !== 'symbol') };
  assert.is(joined(value, true), canonicalJson(value));
  assert.is(hashJson(value), sha256(canonicalJson(value)));
  assert.is(joined([NaN, -Infinity, 10n, undefined], true), canonicalJson([NaN, -Infinity, 10n, undefined]));
});

Chunks('a large value comes in bounded pieces that hash like the whole text', () => {
  const value = {
    scores: Array.from({ length: 200_000 }, (_, i) => Math.sin(i)),
    ids: Array.from({ length: 20_000 }, (_, i) => ({ id: `𝄞/${i}.png`, label: i % 2 })),
  };
  const pieces = [...jsonChunks(value)];
  assert.ok(pieces.length > 20, `${pieces.length} pieces`);
  assert.ok(Math.max(...pieces.map((p) => p.length)) < 2 * 65536);
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  assert.is(hash.digest('hex'), sha256(JSON.stringify(value)));
});

Chunks('a cycle is an error, as in JSON.stringify and canonicalJson', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = [cyclic];
  assert.throws(() => joined(cyclic), /circular/);
  assert.throws(() => joined(cyclic, true), /cyclic/);
});

Chunks.run();
