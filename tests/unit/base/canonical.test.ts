// Canonical JSON decides every cache key: its output is pinned here character for character.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, hashJson, sha256 } from '../../../src/base/canonical.ts';
import { stageKey } from '../../../src/runtime/cache-key.ts';

const Canonical = suite('canonical JSON and hashes (cache keys depend on them)');

Canonical('keys sorted, undefined dropped (null in arrays), nested', () => {
  assert.is(canonicalJson({ b: 1, a: [1, undefined, { d: undefined, c: 'x' }] }), '{"a":[1,null,{"c":"x"}],"b":1}');
  assert.is(canonicalJson({ z: { y: 2, x: 1 } }), canonicalJson({ z: { x: 1, y: 2 } }));
});

Canonical('non-finite numbers are spelled out, so NaN, Infinity and null stay different', () => {
  assert.is(canonicalJson([NaN, Infinity, -Infinity, null]), '[{"$number":"NaN"},{"$number":"Infinity"},{"$number":"-Infinity"},null]');
  assert.is.not(canonicalJson({ t: NaN }), canonicalJson({ t: null }));
});

Canonical('functions by their source with whitespace collapsed; typed arrays by content hash; regexps, dates, bigints', () => {
  // Sources built from strings, so a formatter cannot make the two spellings equal.
  assert.is(canonicalJson({ f: new Function('x', 'return x  +\n   1;') }), canonicalJson({ f: new Function('x', 'return x + 1;') }));
  assert.is(canonicalJson({ f: (x: number) => x + 2 }) === canonicalJson({ f: (x: number) => x + 1 }), false);
  assert.is(canonicalJson(new Uint8Array([97, 98, 99])), `{"$bytes":"${sha256('abc')}"}`);
  assert.is(canonicalJson(/a+b/gi), '{"$regexp":"/a+b/gi"}');
  assert.is(canonicalJson(new Date(Date.UTC(2024, 0, 2))), '{"$date":"2024-01-02T00:00:00.000Z"}');
  assert.is(canonicalJson(12345678901234567890n), '{"$bigint":"12345678901234567890"}');
});

Canonical('a cycle is an error, not a hang', () => {
  const a: Record<string, unknown> = {};
  a.self = a;
  assert.throws(() => canonicalJson(a), /cyclic/);
});

Canonical('sha256 test vectors (FIPS 180-2) and a pinned stage key', () => {
  assert.is(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.is(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.is(hashJson({ b: 1, a: 2 }), sha256('{"a":2,"b":1}'));
  // If this changes, every cache entry is orphaned: bump it only on purpose, and say so.
  const inputs = { kind: 'split', version: 1, config: {}, upstream: { stage: 'normalize', outputHash: 'abc' }, env: { seed: '42' } };
  assert.is(canonicalJson(inputs), '{"config":{},"env":{"seed":"42"},"kind":"split","upstream":{"outputHash":"abc","stage":"normalize"},"version":1}');
  assert.is(stageKey(inputs), sha256(canonicalJson(inputs)));
});

Canonical.run();
