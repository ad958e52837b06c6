/**
 * Encapsulated Pixel Data (PS3.5 A.4): a Basic Offset Table item, then one item per fragment, then a
 * Sequence Delimitation Item. Item headers are always little endian. Real files bend this, and each
 * bend is either read as the writer meant or refused with a reason, never guessed past:
 * - a Sequence Delimiter with a non-zero length, or an Item Delimiter (FFFE,E00D) in its place: the end;
 * - no delimiter, and the next bytes are the data set's trailing padding (FFFC,FFFC): the end;
 * - no delimiter at the end of the file: truncated, even when the last fragment looks complete (the
 *   file lost at least its last 8 bytes, and nothing says how many more);
 * - the bytes of a delimiter *inside* a fragment: irrelevant, fragments are skipped by their length;
 * - a fragment that runs past the end of the file, or a header cut short: truncated;
 * - an undefined-length fragment, or any other tag where an item should be: damaged.
 */
import { ParseError } from './dicom-parse-error.ts';

export interface Fragment {
  /** Offset of the item from the first fragment item, as the Basic Offset Table counts. */
  readonly offset: number;
  /** Where the fragment's bytes start in the file. */
  readonly position: number;
  readonly length: number;
}

export interface Fragments {
  /** Basic Offset Table entries (byte offsets of each frame's first item); empty when the table is. */
  readonly offsets: readonly number[];
  readonly items: readonly Fragment[];
  /** Position just after the Pixel Data element. */
  readonly end: number;
}

const ITEM = 0xe000;
const ITEM_DELIMITER = 0xe00d;
const SEQUENCE_DELIMITER = 0xe0dd;

export function readFragments(bytes: Uint8Array, start: number): Fragments {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = (at: number): { group: number; element: number; length: number } => {
    if (at + 8 > bytes.length) throw new ParseError('its encapsulated Pixel Data is cut short (an item header runs past the end of the file)', true);
    return { group: view.getUint16(at, true), element: view.getUint16(at + 2, true), length: view.getUint32(at + 4, true) };
  };
  const table = header(start);
  if (table.group !== 0xfffe || table.element !== ITEM) {
    throw new ParseError(`its encapsulated Pixel Data does not start with a Basic Offset Table item (found (${hex(table.group)},${hex(table.element)}))`);
  }
  if (table.length % 4 !== 0 || start + 8 + table.length > bytes.length) {
    throw new ParseError(`its Basic Offset Table has an impossible length (${table.length} bytes)`, start + 8 + table.length > bytes.length);
  }
  const offsets = Array.from({ length: table.length / 4 }, (_, i) => view.getUint32(start + 8 + 4 * i, true));
  const base = start + 8 + table.length;
  const items: Fragment[] = [];
  let at = base;
  while (at < bytes.length) {
    const item = header(at);
    if (item.group === 0xfffe && (item.element === SEQUENCE_DELIMITER || item.element === ITEM_DELIMITER)) return { offsets, items, end: at + 8 };
    if (item.group === 0xfffc && item.element === 0xfffc) return { offsets, items, end: at };
    if (item.group !== 0xfffe || item.element !== ITEM) {
      throw new ParseError(`its encapsulated Pixel Data holds (${hex(item.group)},${hex(item.element)}) where a fragment item should be`);
    }
    if (item.length === 0xffffffff) throw new ParseError('its encapsulated Pixel Data has a fragment of undefined length');
    if (at + 8 + item.length > bytes.length) {
      throw new ParseError(`a Pixel Data fragment of ${item.length} bytes runs past the end of the file`, true);
    }
    items.push({ offset: at - base, position: at + 8, length: item.length });
    at += 8 + item.length;
  }
  throw new ParseError('its encapsulated Pixel Data ends without a Sequence Delimitation Item: the file was cut short', true);
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
