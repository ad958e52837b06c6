/**
 * The native backend's buffer pool reuses the storage of disposed tensors, and never storage that a live
 * tensor (e.g. a Slice view of a disposed one) or user code (dataSync) still refers to.
 */
import * as tf from '@tensorflow/tfjs';
import { suite } from 'uvu';
import { nativeAddon, requires } from '../../helpers/requires.ts';
import * as assert from 'uvu/assert';
import { loadAddon } from '../../../src/backend/native-addon.ts';
import type { NativeBackend } from '../../../src/backend/native-backend.ts';
import { loadNativeBackend } from '../../../src/backend/native.ts';
import { BufferPool } from '../../../src/backend/native-memory.ts';

const test = suite('native memory');
const addonLoad = loadAddon();
const N = 1 << 16; // 256 KiB of float32: large enough to be pooled

test('BufferPool reuses a released buffer of the same size, not a pinned or still-held one', () => {
  const pool = new BufferPool(1 << 30);
  const a = pool.take(N);
  pool.retain(a);
  pool.release(a);
  assert.is(pool.take(N).buffer, a.buffer, 'released buffer is reused');
  const b = pool.take(N);
  pool.retain(b);
  pool.retain(b.subarray(10)); // a second holder, like a Slice view
  pool.release(b);
  assert.is.not(pool.take(N).buffer, b.buffer, 'a buffer with a remaining holder is not reused');
  const c = pool.take(N);
  pool.retain(c);
  pool.pin(c);
  pool.release(c);
  assert.is.not(pool.take(N).buffer, c.buffer, 'a pinned buffer is not reused');
  assert.is(pool.take(100).length, 100, 'small arrays are served too');
});

test('BufferPool keeps at most maxFreeBytes on its free lists', () => {
  const pool = new BufferPool(N * 4);
  const xs = [pool.take(N), pool.take(N)];
  xs.forEach((x) => {
    pool.retain(x);
    pool.release(x);
  });
  assert.is(pool.pooledBytes, N * 4);
});

const withAddon = requires(test, nativeAddon(addonLoad));
{
  if (addonLoad.ok)
    test.before(async () => {
      const r = await loadNativeBackend();
      assert.ok(r.ok, r.ok ? '' : r.reason);
      await tf.setBackend('native');
    });

  const pool = (): NativeBackend['pool'] => (tf.backend() as NativeBackend).pool;

  withAddon('disposed kernel outputs are reused', () => {
    const x = tf.fill([N], 2);
    const before = pool().reused;
    for (let i = 0; i < 5; i++) tf.tidy(() => tf.relu(tf.mul(x, 3)));
    assert.ok(pool().reused - before >= 4, `reused ${pool().reused - before}`);
    x.dispose();
  });

  withAddon('data read out by user code is never overwritten', () => {
    const x = tf.fill([N], 2);
    const y = tf.mul(x, 3);
    const seen = y.dataSync();
    y.dispose();
    for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(x, 5));
    assert.ok(
      seen.every((v) => v === 6),
      'dataSync result changed after reuse',
    );
    x.dispose();
  });

  withAddon('a live view of a disposed tensor keeps its storage', () => {
    const x = tf.fill([4, N], 1);
    const y = tf.mul(x, 7);
    const row = tf.slice(y, [1, 0], [1, N]); // the CPU Slice kernel returns a view of y's storage
    const storage = (t: tf.Tensor): ArrayBufferLike => ((tf.backend() as NativeBackend).data.get(t.dataId).values as Float32Array).buffer;
    assert.is(storage(row), storage(y), 'precondition: the slice shares storage');
    y.dispose();
    for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(x, -1));
    const values = row.dataSync();
    assert.ok(
      values.every((v) => v === 7),
      'slice view was overwritten',
    );
    tf.dispose([x, row]);
  });
}

test.run();
