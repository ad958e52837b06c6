// The listing digest's inputs: the addon's bulk stat gives fs.statSync's numbers, a missing file
// gives -1s; the digest follows any path or stat change; a just-modified file keeps a listing
// from being remembered.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listingDigest, settled, statAll, statUnits } from '../../../src/data/store/listing-digest.ts';
import type { Unit } from '../../../src/data/store/ingest-plan.ts';
import { nativeCodec } from '../../../src/io/native-codec.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';
import { requirement, requires } from '../../helpers/requires.ts';

const Digest = suite<{ dir: string; units: Unit[] }>('listing digest: bulk stat, digest, settled');
const it = requires(Digest, requirement(nativeCodec()?.statMany !== undefined, 'the codec addon is not built with statMany (node native/codec/build.mjs)'));
const HOUR_AGO = new Date(Date.now() - 3600_000);

Digest.before.each(async (ctx) => {
  ctx.dir = await tempDir('digest');
  ctx.units = ['a.png', 'b.png', 'c.png'].map((name, i) => {
    const abs = path.join(ctx.dir, name);
    writeFileSync(abs, Buffer.alloc(10 + i, i));
    utimesSync(abs, HOUR_AGO, HOUR_AGO);
    return { rel: name, abs, want: { whole: true } };
  });
  ctx.units.push({ rel: 'gone.png', abs: path.join(ctx.dir, 'gone.png'), want: { whole: true } });
});
Digest.after.each(async (ctx) => removeDir(ctx.dir));

it("the addon's bulk stat = fs.statSync's numbers, -1s for a missing file", ({ units }) => {
  const native = statAll(units);
  assert.equal(Array.from(native), Array.from(statAll(units, null)));
  const s = statSync(units[1]!.abs, { bigint: true });
  assert.equal(Array.from(native.subarray(4, 8)), [s.size, s.mtimeNs, s.ctimeNs, BigInt.asIntN(64, s.ino)]);
  assert.equal(Array.from(native.subarray(12, 16)), [-1n, -1n, -1n, -1n]);
});

it('the digest follows a stat change, a renamed path and the extra key entries', ({ units }) => {
  const base = listingDigest(units, statAll(units));
  assert.is(listingDigest(units, statAll(units)), base);
  assert.is.not(listingDigest(units, statAll(units), { '(csv) x.csv': 'abc' }), base);
  assert.is.not(listingDigest([{ ...units[0]!, rel: 'other.png' }, ...units.slice(1)], statAll(units)), base);
  utimesSync(units[2]!.abs, HOUR_AGO, new Date(HOUR_AGO.getTime() + 1));
  assert.is.not(listingDigest(units, statAll(units)), base);
});

it('settled: every hash known and nothing modified in the last 2 s', ({ units }) => {
  const present = units.slice(0, 3);
  statUnits(present);
  assert.not.ok(settled(present), 'hashes unknown');
  for (const u of present) u.hash = 'h';
  assert.ok(settled(present));
  writeFileSync(present[0]!.abs, 'new');
  statUnits(present);
  assert.not.ok(settled(present), 'just modified');
  assert.not.ok(settled(units), 'a missing file has no stat');
});

Digest.run();
