// The loader's lookup table for 8-bit records gives the very float32 values applySteps computes
// (per channel, with rescale's per-record range, chained steps), and is refused for steps that
// look at the whole image.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isPointwise, lookUp, pointwiseTable } from '../../../src/data/pointwise-table.ts';
import type { PreprocessStep } from '../../../src/data/preprocessing.ts';
import { applySteps } from '../../../src/data/transform.ts';
import { prng } from '../../helpers/core.ts';

const Table = suite('pointwise table: bit-identical to applySteps on 8-bit records');

const fitted = (mean: number[], std: number[]): PreprocessStep => ({ step: 'normalize', method: 'zscore', scope: 'dataset', fittedOn: 'train', mean, std, perChannel: mean.length > 1 });
const CASES: { name: string; channels: number; range: [number, number]; steps: PreprocessStep[] }[] = [
  { name: 'dataset z-score', channels: 1, range: [0, 255], steps: [fitted([118.37], [61.9])] },
  { name: 'per-channel z-score, RGB', channels: 3, range: [3, 250], steps: [fitted([120.1, 99.5, 87.25], [55.5, 60.125, 71.3])] },
  { name: 'rescale by the record range, then unfitted dataset z-score', channels: 1, range: [12, 201], steps: [{ step: 'normalize', method: 'rescale' }, { step: 'normalize', method: 'zscore', scope: 'dataset' }] },
  { name: 'clip, then fitted z-score', channels: 1, range: [0, 255], steps: [{ step: 'normalize', method: 'clip', low: 20, high: 180 }, fitted([0.4], [0.21])] },
];

Table('each case: lookUp equals widen + applySteps bit for bit', () => {
  const rand = prng(11);
  for (const { name, channels, range, steps } of CASES) {
    const bytes = Uint8Array.from({ length: 17 * 13 * channels }, () => Math.floor(rand() * 256));
    const expected = applySteps(Float32Array.from(bytes), [17, 13, channels], range, steps).pixels;
    const table = pointwiseTable(steps, range, channels);
    assert.ok(table, name);
    const got = new Float32Array(bytes.length + 5);
    lookUp(bytes, table!, channels, got, 5);
    assert.equal(Array.from(got.subarray(5)), Array.from(expected), name);
  }
});

Table('steps that look at the whole image are not a table', () => {
  for (const step of [
    { step: 'normalize', method: 'minmax' },
    { step: 'normalize', method: 'zscore', scope: 'image' },
    { step: 'normalize', method: 'window', windows: [{ center: 40, width: 400 }] },
  ] as PreprocessStep[]) {
    assert.not.ok(isPointwise([fitted([1], [2]), step]), JSON.stringify(step));
    assert.is(pointwiseTable([step], [0, 255], 1), undefined);
  }
});

Table.run();
