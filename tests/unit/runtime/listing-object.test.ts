// The large-listing key object (store format 2): paths and binary hashes round-trip, values that are
// not hashes ('unreadable') too; a lookup finds a path without building the object; two listings'
// differences are found by one walk, as explainMiss counts them from the objects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainMiss } from '../../../src/runtime/cache-key.ts';
import { decodeListing, decodeListingParts, diffListings, encodeListing, encodeListingColumns, listingLookup } from '../../../src/runtime/listing-object.ts';
import { missReasons, type Planned } from '../../../src/runtime/plan.ts';
import type { Session } from '../../../src/runtime/session.ts';

const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const files: Record<string, string> = { 'b/2.png': hex(2), 'a/1.png': hex(1), 'a/ü 3.png': 'unreadable', '(csv) rows.csv': hex(9) };

test('round trip: sorted paths, 32-byte hashes, other values by index; refuses what is not a listing object', () => {
  const { bytes, keys } = encodeListing(files);
  assert.equal(keys, Object.keys(files).sort());
  assert.equal(decodeListing(bytes), Object.fromEntries(keys.map((k) => [k, files[k]!])));
  assert.ok(bytes.byteLength < 8 + 4 + 200 + 4 * 32, `${bytes.byteLength} bytes`);
  assert.is(decodeListing(new TextEncoder().encode(JSON.stringify(files))), undefined, 'a canonical-JSON listing (format 1) is not read as one');
  assert.is(decodeListing(bytes.subarray(0, bytes.byteLength - 1)), undefined, 'a truncated object is refused');
  const lookup = listingLookup(decodeListingParts(bytes)!);
  for (const [path, value] of Object.entries(files)) assert.is(lookup(path), value);
  assert.is(lookup('a/0.png'), undefined);
  assert.is(lookup('c.png'), undefined);
});

test('diffListings counts added, removed and changed paths as explainMiss does from the files', () => {
  const after = { ...files, 'b/2.png': hex(7), 'c/new.png': hex(3) } as Record<string, string>;
  delete after['a/1.png'];
  const diff = diffListings(decodeListingParts(encodeListing(files).bytes)!, decodeListingParts(encodeListing(after).bytes)!);
  assert.equal(diff, { added: 1, removed: 1, changed: 1, examples: ['b/2.png', 'c/new.png', 'a/1.png'] });
  const inputs = (f: Record<string, string>) => ({ kind: 'ingest.folder', version: 4, config: {}, upstream: null, files: f, env: {} });
  assert.equal(explainMiss(inputs(files), inputs(after)), explainMiss(inputs(files), inputs(after), diff));
});

test("columns give encodeListing's bytes, also when they reuse an earlier object's deflated paths", () => {
  const { bytes, keys } = encodeListing(files);
  const values = keys.map((k) => files[k]!);
  assert.equal(Buffer.from(encodeListingColumns({ keys, values }).bytes), Buffer.from(bytes));
  // Every value a hash (decoded at once), and values that only look like hashes together: hex of
  // other lengths that joins to whole hashes, upper case (not a hash here: kept as text).
  for (const odd of [
    { 'a.png': hex(1), 'b.png': hex(2) },
    { 'a.png': 'a'.repeat(60), 'b.png': 'b'.repeat(68) },
    { 'a.png': hex(1), 'b.png': 'AB'.repeat(32) },
  ]) {
    const encoded = encodeListing(odd);
    assert.equal(
      Buffer.from(encodeListingColumns({ keys: encoded.keys, values: encoded.keys.map((k) => odd[k as keyof typeof odd]!) }).bytes),
      Buffer.from(encoded.bytes),
    );
  }
  // One hash changed, same paths: the earlier object's paths are reused byte for byte.
  const changed = values.map((v, i) => (i === 1 ? hex(5) : v));
  const earlier = decodeListingParts(bytes)!;
  const reused = encodeListingColumns({ keys, values: changed }, earlier.deflatedPaths).bytes;
  assert.equal(Buffer.from(reused), Buffer.from(encodeListing(Object.fromEntries(keys.map((k, i) => [k, changed[i]!]))).bytes));
});

test('an encoded listing comes with its decoded parts, as the bytes decode', () => {
  const { bytes, parts } = encodeListing(files);
  const decoded = decodeListingParts(bytes)!;
  assert.equal([...parts.keys], decoded.keys);
  assert.equal(Buffer.from(parts.hashes), Buffer.from(decoded.hashes));
  assert.equal({ ...parts.other }, { ...decoded.other });
  assert.equal(Buffer.from(parts.deflatedPaths), Buffer.from(decoded.deflatedPaths));
});

test("missReasons compares with the plan's own listing while its object is still being written", async () => {
  const after = { ...files, 'b/2.png': hex(7) };
  const [before, now] = [encodeListing(files), encodeListing(after)];
  const inputs = (hash: string) => ({ kind: 'ingest.folder', version: 4, config: {}, upstream: null, listing: { hash, count: 4 }, env: {} });
  const asked: string[] = [];
  const session = {
    pipeline: { name: 'p' },
    store: {
      readIndex: async () => ({ inputs: inputs('before') }),
      getObject: async (hash: string) => {
        asked.push(hash);
        return hash === 'before' ? before.bytes : undefined; // the new one is not there yet
      },
    },
  } as unknown as Session;
  const planned = { node: { id: 'ingest' }, inputs: inputs('now'), listed: now.parts } as unknown as Planned;
  assert.equal(await missReasons(session, planned), [{ kind: 'files', added: 0, removed: 0, changed: 1, examples: ['b/2.png'] }]);
  assert.equal(asked, ['before'], "the plan's listing is not read back");
});

test.run();
