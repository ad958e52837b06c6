/**
 * JSON text in pieces of about 64 K characters, so a large document (evaluate's curves and
 * predictions are megabytes at 10^5 images) is hashed or written without ever being one string
 * or one Buffer. The pieces joined are exactly `JSON.stringify(value)` — or, with `canonical`,
 * exactly `canonicalJson(value)` — and a piece never ends inside a token (no surrogate pair is
 * split), so each piece may be UTF-8 encoded on its own.
 * @example
 *   const hash = createHash('sha256');
 *   for (const piece of jsonChunks(value)) hash.update(piece); // = sha256(JSON.stringify(value))
 */
import { canonicalLeaf } from './canonical.ts';

const PIECE = 1 << 16;

/** The text not yet handed out. */
interface Out {
  text: string;
}

type Walk = (value: unknown, out: Out, seen: Set<unknown>, prefix: string, key: string) => Generator<string, boolean, undefined>;

export function* jsonChunks(value: unknown, options: { readonly canonical?: boolean } = {}): Generator<string, void, undefined> {
  const out: Out = { text: '' };
  yield* (options.canonical ? canonicalValue : plainValue)(value, out, new Set(), '', '');
  if (out.text.length > 0) yield out.text;
}

/** A compact JSON file's text in pieces: `JSON.stringify(value) + '\n'`. */
export function* jsonFilePieces(value: unknown): Generator<string, void, undefined> {
  yield* jsonChunks(value);
  yield '\n';
}

/** An array or a plain object (anything else, a class instance or a Map, JSON.stringify writes itself). */
function walked(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Writes `prefix` and the JSON of `value` (JSON.stringify's rules: undefined, functions and symbols
 * dropped, non-finite numbers as null, toJSON honoured); false, writing nothing, when it is dropped.
 */
function* plainValue(value: unknown, out: Out, seen: Set<unknown>, prefix: string, key: string): Generator<string, boolean, undefined> {
  const toJSON = value !== null && typeof value === 'object' ? (value as { toJSON?: unknown }).toJSON : undefined;
  if (typeof toJSON === 'function') value = toJSON.call(value, key) as unknown;
  if (!walked(value)) {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return false;
    out.text += prefix + text;
  } else {
    out.text += prefix;
    yield* container(value, out, seen, plainValue, (object) => Object.keys(object), 'Converting circular structure to JSON');
  }
  return yield* flushed(out);
}

/** The same for canonical JSON (canonical.ts): keys sorted, non-JSON values by their stand-ins, undefined and symbols dropped. */
function* canonicalValue(value: unknown, out: Out, seen: Set<unknown>, prefix: string, _key: string): Generator<string, boolean, undefined> {
  const leaf = canonicalLeaf(value);
  if (leaf === undefined) return false;
  if (leaf !== value || leaf === null || typeof leaf !== 'object') {
    out.text += prefix + JSON.stringify(leaf);
  } else {
    out.text += prefix;
    yield* container(value as object, out, seen, canonicalValue, (object) => Object.keys(object).sort(), 'Cannot hash a cyclic configuration object.');
  }
  return yield* flushed(out);
}

/** An array's items (a dropped one as null) or an object's `keys` in order (a dropped value leaves its key out). */
function* container(
  value: object,
  out: Out,
  seen: Set<unknown>,
  walk: Walk,
  keys: (object: object) => string[],
  cyclic: string,
): Generator<string, void, undefined> {
  if (seen.has(value)) throw new TypeError(cyclic);
  seen.add(value);
  if (Array.isArray(value)) {
    out.text += '[';
    for (let i = 0; i < value.length; i++) {
      // .at(i): an indexed read here (optimised, megamorphic) was seen to box a double array's elements (16 B a number, kept).
      const item = (value as unknown[]).at(i);
      const comma = i > 0 ? ',' : '';
      // Numbers, most of a large document, without a generator each.
      if (typeof item === 'number' && Number.isFinite(item)) out.text += comma + String(item);
      else if (!(yield* walk(item, out, seen, comma, String(i)))) out.text += `${comma}null`;
      if (out.text.length >= PIECE) yield* flushed(out);
    }
    out.text += ']';
  } else {
    out.text += '{';
    let first = true;
    for (const key of keys(value)) {
      if (yield* walk((value as Record<string, unknown>)[key], out, seen, `${first ? '' : ','}${JSON.stringify(key)}:`, key)) first = false;
    }
    out.text += '}';
  }
  seen.delete(value);
}

function* flushed(out: Out): Generator<string, true, undefined> {
  if (out.text.length >= PIECE) {
    yield out.text;
    out.text = '';
  }
  return true;
}
