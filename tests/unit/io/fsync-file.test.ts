// The codec addon's fsyncFile: fsync on a thread of its own (not libuv's pool), any number at once;
// a bad descriptor rejects with an fs-style code.
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nativeCodec } from '../../../src/io/native-codec.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';
import { requirement, requires } from '../../helpers/requires.ts';

const Fsync = suite<{ dir: string }>('codec addon: fsyncFile');
const fsyncFile = nativeCodec()?.fsyncFile;
const it = requires(Fsync, requirement(fsyncFile !== undefined, 'the codec addon is not built with fsyncFile (node native/codec/build.mjs)'));
Fsync.before.each(async (ctx) => {
  ctx.dir = await tempDir('fsync-file');
});
Fsync.after.each(async (ctx) => removeDir(ctx.dir));

it('sixteen files fsynced at once all resolve', async ({ dir }) => {
  const fds = Array.from({ length: 16 }, (_, i) => {
    const fd = openSync(path.join(dir, `f${i}`), 'w');
    writeSync(fd, Buffer.alloc(4096, i));
    return fd;
  });
  try {
    const results = await Promise.all(fds.map((fd) => fsyncFile!(fd)));
    assert.is(results.length, 16);
    assert.ok(results.every((r) => r === undefined));
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
});

it('a closed descriptor rejects with code EBADF', async ({ dir }) => {
  const fd = openSync(path.join(dir, 'closed'), 'w');
  closeSync(fd);
  const error = await fsyncFile!(fd).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );
  assert.ok(error instanceof Error, 'rejected');
  assert.is(error!.code, 'EBADF');
  assert.throws(() => (fsyncFile as unknown as (fd: unknown) => unknown)('x'), /fsyncFile\(fd\)/);
});

Fsync.run();
