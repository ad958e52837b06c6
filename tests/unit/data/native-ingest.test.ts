// An ingest job through the codec addon's one-call batch (ingestFiles: read, hash, decode on libuv's
// threads) writes the very shards of the per-file path (readFileSync, sha256, decodeBytes): same
// object names (the sha256 of their bytes), same footers, same problems for a damaged, a missing
// and a misnamed file, on real PneumoniaMNIST PNGs, brain MRI JPEGs and generated 8/16-bit,
// grey/RGB files.
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decoderKey } from '../../../src/io/decoder-version.ts';
import { nativeCodec } from '../../../src/io/native-codec.ts';
import { readShardFooter } from '../../../src/data/store/shard-reader.ts';
import { runIngestJob, type DecodeSpec, type IngestJobResult, type JobFile } from '../../../src/data/store/ingest-job.ts';
import { nativeIngestible } from '../../../src/data/store/native-ingest.ts';
import { objectPath } from '../../../src/base/object-store.ts';
import { encodePng, prng, removeDir, tempDir } from '../../helpers/core.ts';
import { SHARED_DATA } from '../../helpers/paths.ts';
import { realData, requirement, requires } from '../../helpers/requires.ts';

const Batch = suite<{ dir: string }>('ingest job: the addon batch writes the per-file path\'s shards');

Batch.before.each(async (ctx) => {
  ctx.dir = await tempDir('native-ingest');
});
Batch.after.each(async (ctx) => removeDir(ctx.dir));

const it = requires(
  Batch,
  requirement(nativeCodec()?.ingestFiles !== undefined, 'the codec addon is not built with ingestFiles (node native/codec/build.mjs)'),
  realData('pneumoniamnist', 'images/train/normal'),
  realData('brain-tumor-mri', 'Training/glioma'),
);

const fileOf = (abs: string, rel = path.basename(abs)): JobFile => ({ rel, abs, want: { whole: true } });

/** The job once through the batch and once per file (MEDPIPE_INGEST_FILES=0), each into its own objects folder. */
async function bothPaths(dir: string, files: JobFile[], spec: DecodeSpec, maxShardBytes = 64 << 20): Promise<[IngestJobResult, IngestJobResult]> {
  const job = { files, decode: spec, maxShardBytes };
  assert.ok(files.some((f) => nativeIngestible(spec, f.abs)), 'the batch path is taken');
  const batch = await runIngestJob(job, path.join(dir, 'batch'));
  process.env.MEDPIPE_INGEST_FILES = '0';
  try {
    assert.not.ok(nativeIngestible(spec, files[0]!.abs), 'MEDPIPE_INGEST_FILES=0 turns the batch off');
    return [batch, await runIngestJob(job, path.join(dir, 'single'))];
  } finally {
    delete process.env.MEDPIPE_INGEST_FILES;
  }
}

function assertSame(batch: IngestJobResult, single: IngestJobResult, dir: string): void {
  assert.equal(
    batch.shards.map((s) => [s.hash, s.size]),
    single.shards.map((s) => [s.hash, s.size]),
    'the same shard objects',
  );
  for (const shard of batch.shards) assert.equal(readShardFooter(objectPath(path.join(dir, 'batch'), shard.hash)), readShardFooter(objectPath(path.join(dir, 'single'), shard.hash)));
  assert.equal(batch.hashes, single.hashes, 'the same file hashes');
  assert.equal(batch.problems, single.problems, 'the same problems');
  assert.is(batch.decoded, single.decoded);
}

it('real PNGs and JPEGs: the same shards, byte for byte, grey and RGB, shrunk and enlarged', async ({ dir }) => {
  const png = path.join(SHARED_DATA, 'pneumoniamnist/images/train/normal');
  const jpg = path.join(SHARED_DATA, 'brain-tumor-mri/Training/glioma');
  const files = [
    ...readdirSync(png)
      .sort()
      .slice(0, 60)
      .map((f) => fileOf(path.join(png, f))),
    ...readdirSync(jpg)
      .sort()
      .slice(0, 12)
      .map((f) => fileOf(path.join(jpg, f))),
  ];
  for (const [size, channels] of [
    [[28, 28], 1],
    [[64, 48], 3],
  ] as const) {
    const spec: DecodeSpec = { size, channels, decoder: decoderKey() };
    const [batch, single] = await bothPaths(path.join(dir, `${size[0]}-${channels}`), files, spec);
    assert.is(batch.decoded, files.length);
    assertSame(batch, single, path.join(dir, `${size[0]}-${channels}`));
  }
});

it('a damaged, a missing, a misnamed and a non-image file give the per-file path\'s problems; 16-bit stays 16-bit', async ({ dir }) => {
  const rand = prng(3);
  const grey16 = await encodePng(20, 12, 1, 16, Array.from({ length: 240 }, () => Math.floor(rand() * 65536)));
  const rgb8 = await encodePng(9, 7, 3, 8, Array.from({ length: 189 }, () => Math.floor(rand() * 256)));
  const put = async (name: string, bytes: Uint8Array) => {
    await writeFile(path.join(dir, name), bytes);
    return fileOf(path.join(dir, name));
  };
  const files = [
    await put('grey16.png', grey16),
    await put('rgb.PNG', rgb8),
    await put('truncated.png', grey16.subarray(0, grey16.length - 40)),
    fileOf(path.join(dir, 'missing.png')),
    await put('text.jpg', Buffer.from('not an image at all')),
    // A PNG under a JPEG's name: the addon looks at the bytes, not the name.
    await put('named.jpeg', rgb8),
  ];
  const spec: DecodeSpec = { size: [16, 16], channels: 1, decoder: decoderKey() };
  const [batch, single] = await bothPaths(dir, files, spec);
  assertSame(batch, single, dir);
  assert.equal(
    batch.problems.map((p) => [p.file, p.code]),
    [
      ['truncated.png', 'BAD_FILE'],
      ['missing.png', 'DATA_NOT_FOUND'],
      ['text.jpg', 'BAD_FILE'],
    ],
  );
  const records = batch.shards.flatMap((s) => s.records);
  assert.equal(
    records.map((r) => [r.file, r.dtype]),
    [
      ['grey16.png', 'u16'],
      ['rgb.PNG', 'u8'],
      ['named.jpeg', 'u8'],
    ],
  );
});

it('16-bit records that outgrow the shard the addon started are placed as the per-file path places them (two shards)', async ({ dir }) => {
  const rand = prng(4);
  const files: JobFile[] = [];
  for (let k = 0; k < 3; k++) {
    const name = `grey16-${k}.png`;
    await writeFile(path.join(dir, name), await encodePng(16, 16, 1, 16, Array.from({ length: 256 }, () => Math.floor(rand() * 65536))));
    files.push(fileOf(path.join(dir, name)));
  }
  // 8-bit records of three 16x16 files would fit in 1,100 bytes (so the addon writes the shard);
  // 16-bit ones (512 bytes each) take two shards: two records, then one.
  const [batch, single] = await bothPaths(dir, files, { size: [16, 16], channels: 1, decoder: decoderKey() }, 1100);
  assertSame(batch, single, dir);
  assert.equal(
    batch.shards.map((s) => s.records.map((r) => r.dtype)),
    [['u16', 'u16'], ['u16']],
  );
});

Batch.run();
