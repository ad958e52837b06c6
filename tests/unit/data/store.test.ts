// The store: shards round-trip their records and footer, every read checks the CRC, a damaged
// record (or footer) is refused and a damaged record's shard removed; jobs are cut at content-defined boundaries that a change
// elsewhere does not move; the record table round-trips and subsets by rows.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { objectPath } from '../../../src/base/object-store.ts';
import { fileColumns, nativeOrder, recordsByFile, withEntries, type JobOutcome } from '../../../src/data/store/ingest.ts';
import { jobKey, meanFilesPerJob, planJobs, type Unit } from '../../../src/data/store/ingest-plan.ts';
import { encodeFooter, encodeFooterAsync, SHARD_FORMAT, type ShardRecord } from '../../../src/data/store/format.ts';
import { canonicalJson, sha256 } from '../../../src/base/canonical.ts';
import { recordMoments } from '../../../src/data/store/record-moments.ts';
import { footerMoments } from '../../../src/data/store/footer-moments.ts';
import { concatTables, decodeTable, emptyTable, encodeTable, selectRows, setRecord, TableRow } from '../../../src/data/store/record-table.ts';
import { readShardFooter, ShardFiles } from '../../../src/data/store/shard-reader.ts';
import { ShardWriter } from '../../../src/data/store/shard-writer.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';

const Store = suite<{ dir: string }>('store: shards, CRC checks, content-defined jobs, record tables');

Store.before.each(async (ctx) => {
  ctx.dir = await tempDir('store');
});
Store.after.each(async (ctx) => removeDir(ctx.dir));

const meta = (file: string, data: Uint8Array | Uint16Array | Int16Array | Float32Array, dtype: 'u8' | 'u16' | 'i16' | 'f32') => ({
  file,
  fileHash: 'ab'.repeat(32),
  frames: 1,
  dtype,
  shape: [1, data.length, 1] as const,
  range: [0, 255] as const,
  moments: recordMoments(data, 1),
});

Store('a shard holds each record in its stored type, named by the sha256 of its bytes; the footer says where', async ({ dir }) => {
  const writer = new ShardWriter(dir);
  const u8 = new Uint8Array([0, 1, 2, 255, 7]);
  const u16 = new Uint16Array([0, 1000, 65535]);
  const i16 = new Int16Array([-1024, 0, 3071]);
  const f32 = new Float32Array([-0.5, 1.25]);
  writer.add(meta('a.png', u8, 'u8'), u8);
  writer.add(meta('b.png', u16, 'u16'), u16);
  writer.add(meta('c.dcm', i16, 'i16'), i16);
  writer.add(meta('d.nii', f32, 'f32'), f32);
  const shard = await writer.finish();
  const path_ = objectPath(dir, shard.hash);
  const bytes = await readFile(path_);
  assert.is(bytes.length, shard.size);
  const { createHash } = await import('node:crypto');
  assert.is(createHash('sha256').update(bytes).digest('hex'), shard.hash, 'content-addressed');
  const footer = readShardFooter(path_);
  // The source file's hash is the writer's to know, not the footer's to store (the key's listing holds it).
  assert.equal(footer.records, shard.records.map(({ fileHash: _hash, ...record }) => record), 'the footer is what the writer returned, less the source hash');
  assert.equal(footer.records.map((r) => [r.file, r.dtype, r.length]), [['a.png', 'u8', 5], ['b.png', 'u16', 6], ['c.dcm', 'i16', 6], ['d.nii', 'f32', 8]]);
  assert.ok(footer.records.every((r) => r.offset % 8 === 0), 'records are 8-byte aligned');
  const files = new ShardFiles(dir);
  const [a, b, c, d] = footer.records.map((r) => files.read(shard.hash, r.offset, r.length, r.crc));
  assert.equal(Array.from(a!), Array.from(u8));
  assert.equal(Array.from(new Uint16Array(b!.slice().buffer)), Array.from(u16));
  assert.equal(Array.from(new Int16Array(c!.slice().buffer)), Array.from(i16));
  assert.equal(Array.from(new Float32Array(d!.slice().buffer)), Array.from(f32));
  files.close();
  // Writing the same records again gives the same object (and leaves no temp file behind).
  const again = new ShardWriter(dir);
  for (const [m, data] of [[meta('a.png', u8, 'u8'), u8], [meta('b.png', u16, 'u16'), u16], [meta('c.dcm', i16, 'i16'), i16], [meta('d.nii', f32, 'f32'), f32]] as const) again.add(m, data);
  assert.is((await again.finish()).hash, shard.hash);
});

Store('a record whose bytes changed fails its CRC: the read throws CACHE_CORRUPT and the shard is removed', async ({ dir }) => {
  const writer = new ShardWriter(dir);
  const data = new Uint8Array(64).map((_, i) => i);
  const record = writer.add(meta('x.png', data, 'u8'), data);
  const shard = await writer.finish();
  const file = objectPath(dir, shard.hash);
  const bytes = await readFile(file);
  bytes[record.offset + 10] ^= 0xff;
  await writeFile(file, bytes);
  try {
    new ShardFiles(dir).read(shard.hash, record.offset, record.length, record.crc);
    assert.unreachable();
  } catch (error) {
    assert.is((error as { code?: string }).code, 'CACHE_CORRUPT');
    assert.match((error as Error).message, /does not match its CRC-32\. The shard was removed/);
  }
  assert.not.ok(existsSync(file));
});

Store('a truncated or foreign file, a shard of format 1 or a damaged footer is refused', async ({ dir }) => {
  const bad = path.join(dir, 'bad');
  await writeFile(bad, 'MPSHARD2 and nothing else, no trailer at all');
  assert.throws(() => readShardFooter(bad), /is damaged: no trailer/);
  await writeFile(bad, 'x');
  assert.throws(() => readShardFooter(bad), /only 1 bytes/);
  await writeFile(bad, 'MPSHARD1' + ' '.repeat(40));
  assert.throws(() => readShardFooter(bad), /in shard format 1, this medpipe reads 2/);
  const writer = new ShardWriter(dir);
  const data = new Uint8Array(16).fill(3);
  writer.add(meta('y.png', data, 'u8'), data);
  const shard = await writer.finish();
  const bytes = await readFile(objectPath(dir, shard.hash));
  bytes[bytes.length - 24] ^= 0x01; // the footer's last byte
  await writeFile(bad, bytes);
  assert.throws(() => readShardFooter(bad), /its footer does not match its CRC-32/);
});

Store('footers store no offsets for packed records, and give back the moments of a table\'s rows', async ({ dir }) => {
  const writer = new ShardWriter(dir);
  const records = [new Uint8Array([1, 2, 3]), new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9, 9]), new Uint8Array([4])].map((d, i) => writer.add(meta(`r${i}.png`, d, 'u8'), d));
  const shard = await writer.finish();
  const footer = readShardFooter(objectPath(dir, shard.hash));
  assert.equal(footer.records.map((r) => [r.offset, r.length]), records.map((r) => [r.offset, r.length]), 'offsets and lengths follow from order, type and shape');
  const table = emptyTable(2, [{ hash: shard.hash, size: shard.size }]);
  for (const [row, k] of [[0, 2], [1, 0]] as const) {
    table.offset[row] = records[k]!.offset;
    table.length[row] = records[k]!.length;
    table.crc[row] = records[k]!.crc;
  }
  assert.equal(Array.from(footerMoments(table, dir, 1)!), [...records[2]!.moments!, ...records[0]!.moments!]);
  // The writer compresses the footer on libuv's pool: the same bytes as on this thread.
  assert.equal(await encodeFooterAsync(records), encodeFooter(records));
});

Store('native jobs start smallest first, then largest first (ties in listing order), each once', () => {
  const jobs = [[1, 2], [1, 2, 3, 4], [1], [1, 2, 3], [5, 6, 7, 8]];
  assert.equal(nativeOrder(jobs).map((j) => j.index), [2, 1, 4, 3, 0]);
  assert.ok(nativeOrder(jobs).every(({ job, index }) => job === jobs[index]));
  assert.equal(nativeOrder([[1], [1, 2]]).map((j) => j.index), [1, 0], 'two jobs: largest first, as both start at once');
  assert.equal(nativeOrder([]), []);
});

Store('jobs: content-defined boundaries; a changed, added or removed file moves at most its own job boundaries', () => {
  const names = Array.from({ length: 3000 }, (_, i) => ({ rel: `class${i % 2}/img_${String(i).padStart(5, '0')}.png` })).sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const mean = 64;
  const jobs = planJobs(names, mean);
  assert.is(jobs.flat().length, names.length, 'every file in exactly one job');
  assert.ok(jobs.length > 3000 / (4 * mean) && jobs.length < (3000 / mean) * 2, `${jobs.length} jobs for a mean of ${mean}`);
  assert.ok(jobs.every((j) => j.length <= 4 * mean), 'bounded');
  const key = (js: { rel: string }[][]) => js.map((j) => j.map((u) => u.rel).join('|'));
  // Add one file: every job but one (or two, when the new file is itself a boundary) is unchanged.
  const added = [...names, { rel: 'class0/img_01000a.png' }].sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const before = new Set(key(jobs));
  const after = key(planJobs(added, mean));
  assert.ok(after.filter((j) => !before.has(j)).length <= 2, 'adding one file touches at most two jobs');
  // Remove one file: the same.
  const removed = names.filter((_, i) => i !== 1234);
  assert.ok(key(planJobs(removed, mean)).filter((j) => !before.has(j)).length <= 2, 'removing one file touches at most two jobs');
  // Small records make more files per job, large ones fewer: 16 MiB a job within [16, 256] files, at least 1 MiB up to 1024.
  assert.is(meanFilesPerJob(28 * 28), 1024, 'tiny records: at least 1 MiB a job, up to 1024 files');
  assert.is(meanFilesPerJob(28 * 28 * 3), 446);
  assert.is(meanFilesPerJob(64 * 64), 256);
  assert.is(meanFilesPerJob(224 * 224), 256);
  assert.is(meanFilesPerJob(512 * 512 * 3), 21);
  assert.is(meanFilesPerJob(4096 * 4096), 16);
});

Store('record tables round-trip through their blob, and subsets copy rows (moments included)', () => {
  const shards = [{ hash: 'a'.repeat(64), size: 100 }, { hash: 'b'.repeat(64), size: 200 }];
  const table = emptyTable(4, shards, 3);
  for (let i = 0; i < 4; i++) {
    table.shard[i] = i % 2;
    table.offset[i] = 8 + i * 16;
    table.length[i] = 16;
    table.crc[i] = 1000 + i;
    table.dtype[i] = i % 4;
    table.ranges.set([0, 255 + i], i * 2);
    table.moments!.set([16, i, i / 2], i * 3);
  }
  // Stored without the moments (they are in the shards' footers), offsets as gaps: 4 rows, 2 shards.
  const { moments: _inFooters, ...stored } = table;
  assert.equal(decodeTable(encodeTable(table)), stored);
  assert.throws(() => decodeTable(new Uint8Array(64)), /older format/);
  const picked = selectRows(table, [3, 1]);
  assert.equal(Array.from(picked.crc), [1003, 1001]);
  assert.equal(Array.from(picked.moments!), [16, 3, 1.5, 16, 1, 0.5]);
  const other = { ...emptyTable(1, [{ hash: 'c'.repeat(64), size: 1 }], 3) };
  other.crc[0] = 7;
  const joined = concatTables(picked, other);
  assert.equal(Array.from(joined.crc), [1003, 1001, 7]);
  assert.equal(joined.shards.map((s) => s.hash[0]), ['a', 'b', 'c']);
  assert.is(joined.shard[2], 2, 'rows of the second table point at its shard in the merged list');
});

Store('the key\'s files as columns: sorted by code units, unreadable files named so, extra entries in their places, duplicates refused', () => {
  const unit = (rel: string, hash?: string): Unit => ({ rel, abs: `/d/${rel}`, want: { whole: true }, ...(hash ? { hash } : {}) });
  const columns = fileColumns([unit('b/2.png', 'h2'), unit('B/1.png', 'h1'), unit('a/3.png')]);
  assert.equal(columns, { keys: ['B/1.png', 'a/3.png', 'b/2.png'], values: ['h1', 'unreadable', 'h2'] });
  assert.equal(withEntries(columns, { '(csv) rows.csv': 'hc', 'b/2.png': 'h9' }), { keys: ['(csv) rows.csv', 'B/1.png', 'a/3.png', 'b/2.png'], values: ['hc', 'h1', 'unreadable', 'h9'] });
  assert.throws(() => fileColumns([unit('a.png', 'h1'), unit('a.png', 'h2')]), /share a relative path/);
  // A large listing out of order (a CSV's rows): sorted without spreading 10^5 arguments onto the stack.
  const many = Array.from({ length: 300_000 }, (_, i) => unit(`f${String((i * 7919) % 300_000).padStart(6, '0')}.png`, `h${i}`));
  const large = fileColumns(many);
  assert.is(large.keys.length, 300_000);
  assert.ok(large.keys.every((key, i) => i === 0 || large.keys[i - 1]! < key));
  assert.is(large.values[large.keys.indexOf('f000001.png')], many.find((u) => u.rel === 'f000001.png')!.hash);
});

Store('a job key is the sha256 of canonical JSON of the spec and each file\'s path, hash and want', () => {
  const spec = { size: [224, 224] as const, channels: 1 as const, decoder: 'd1', saltKey: 's' };
  const units: Unit[] = [
    { rel: 'a/"q"\\ü.png', abs: '/x', want: { whole: true }, hash: 'h1' },
    { rel: 'b.dcm', abs: '/y', want: { whole: false, frames: [0, 2] }, hash: 'h2' },
    { rel: 'c.nii', abs: '/z', want: { whole: true, frames: [1] }, hash: 'h3' },
  ];
  const reference = sha256(canonicalJson({ format: SHARD_FORMAT, decode: spec, files: units.map((u) => [u.rel, u.hash, u.want]) }));
  assert.is(jobKey(spec, units), reference);
  assert.is(jobKey(spec, [...units, { rel: 'd.png', abs: '/w', want: { whole: true } }]), undefined, 'a file whose hash is unknown: no key');
});

Store("a job's records by file: reused jobs' walked in step, the rest mapped in frame order; a file asked out of step or twice still finds its own", () => {
  const shard = { hash: 'c'.repeat(64), size: 1 };
  const located = (file: string, frame?: number) => ({ shard, record: { ...meta(file, new Uint8Array(1), 'u8'), offset: 0, length: 1, crc: 0, ...(frame !== undefined ? { frame } : {}) } });
  const outcomes: JobOutcome[] = [
    { located: [located('a.png'), located('b.png')], problems: [], byUnit: true },
    { located: [located('c.dcm', 1), located('c.dcm', 0), located('d.png')], problems: [] },
    { located: [located('e.png'), located('f.png')], problems: [], byUnit: true },
  ];
  const frames = (file: string, at = recordsByFile(outcomes)) => at.get(file)?.map((l) => `${l.record.file}${l.record.frame ?? ''}`);
  const inOrder = recordsByFile(outcomes);
  assert.equal(['a.png', 'b.png', 'c.dcm', 'd.png', 'e.png', 'f.png'].map((f) => frames(f, inOrder)), [['a.png'], ['b.png'], ['c.dcm0', 'c.dcm1'], ['d.png'], ['e.png'], ['f.png']]);
  // A file skipped (say, of an unknown class), then one asked again after the last (a CSV naming it twice).
  const skipping = recordsByFile(outcomes);
  assert.equal(['b.png', 'e.png', 'f.png', 'e.png', 'a.png', 'x.png'].map((f) => frames(f, skipping)), [['b.png'], ['e.png'], ['f.png'], ['e.png'], ['a.png'], undefined]);
  const twiceAtEnd = recordsByFile(outcomes);
  assert.equal(['a.png', 'b.png', 'e.png', 'f.png', 'f.png'].map((f) => frames(f, twiceAtEnd)), [['a.png'], ['b.png'], ['e.png'], ['f.png'], ['f.png']]);
});

Store("a table's row as a record (TableRow) reads the table's columns and is written as a copy of the row", () => {
  const from = emptyTable(2, [{ hash: 'd'.repeat(64), size: 9 }]);
  from.offset[1] = 4096;
  from.length[1] = 784;
  from.crc[1] = 0xdeadbeef;
  from.dtype[1] = 1;
  from.ranges.set([-1024, 3071], 2);
  const row: ShardRecord = new TableRow('x.png', 'ab'.repeat(32), [28, 28, 1], from, 1);
  assert.equal([row.frames, row.offset, row.length, row.crc, row.dtype, [...row.range], row.frame, row.stack, row.moments], [1, 4096, 784, 0xdeadbeef, 'u16', [-1024, 3071], undefined, undefined, undefined]);
  const to = emptyTable(3, []);
  setRecord(to, 2, 5, row);
  const plain = emptyTable(3, []);
  setRecord(plain, 2, 5, { file: 'x.png', frames: 1, offset: 4096, length: 784, crc: 0xdeadbeef, dtype: 'u16', shape: [28, 28, 1], range: [-1024, 3071] });
  assert.equal(to, plain, 'the same row as the record it stands for');
});

Store.run();
