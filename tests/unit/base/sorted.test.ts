// lowerBound / indexOfSorted: numpy's searchsorted(side='left') and an exact lookup, checked against a
// linear scan on strings (code-unit order, as Array.prototype.sort) and numbers, duplicates included.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { indexOfSorted, lowerBound } from '../../../src/base/sorted.ts';

const Sorted = suite('sorted: binary search over ascending arrays');

const linearLowerBound = <T>(xs: readonly T[], v: T) => {
  const at = xs.findIndex((x) => !(x < v));
  return at < 0 ? xs.length : at;
};

Sorted('lowerBound equals a linear scan for every probe, below, between, equal and above', () => {
  const numbers = [-3, 0, 0, 0, 1.5, 2, 7, 7, 10];
  for (const v of [-4, -3, -1, 0, 0.5, 1.5, 2, 3, 7, 9, 10, 11]) assert.is(lowerBound(numbers, v), linearLowerBound(numbers, v), `number ${v}`);
  const strings = ['B/x.png', 'a/0.png', 'a/1.png', 'a/10.png', 'a/2.png', 'b', 'é'].sort();
  for (const v of ['', 'A', 'B/x.png', 'a/', 'a/1.png', 'a/11.png', 'a/2.png', 'c', 'é', 'z', 'ÿ'])
    assert.is(lowerBound(strings, v), linearLowerBound(strings, v), `string ${v}`);
  assert.is(lowerBound([], 'a'), 0);
  assert.is(lowerBound(new Float64Array([0.1, 0.2, 0.3]), 0.25), 2);
});

Sorted('indexOfSorted: the index of a present value (the first of equal ones), -1 when absent', () => {
  const keys = ['a', 'b', 'b', 'd'];
  assert.is(indexOfSorted(keys, 'a'), 0);
  assert.is(indexOfSorted(keys, 'b'), 1);
  assert.is(indexOfSorted(keys, 'd'), 3);
  assert.is(indexOfSorted(keys, 'c'), -1);
  assert.is(indexOfSorted(keys, 'e'), -1);
  assert.is(indexOfSorted([], 'a'), -1);
});

Sorted.run();
