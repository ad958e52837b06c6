import { MedpipeError } from '../base/errors.ts';

/** Parses a small CSV with a header row (RFC 4180 quoting); keys are lower-cased header names. */
export function parseCsv(text: string, file: string): Record<string, string>[] {
  return parseCsvTable(text, file).rows;
}

/** parseCsv plus the header's names as written (trimmed, case kept). */
export function parseCsvTable(text: string, file: string): { header: string[]; rows: Record<string, string>[] } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  if (quoted) throw new MedpipeError('INVALID_CONFIG', `${file}: unterminated quoted field.`, { file, fix: 'Close the quote.' });
  const [header, ...body] = rows;
  if (!header) throw new MedpipeError('INVALID_CONFIG', `${file} is empty.`, { file, fix: 'Add a header line path,label.' });
  const keys = header.map((h) => h.trim().toLowerCase());
  return { header: header.map((h) => h.trim()), rows: body.map((cells) => Object.fromEntries(keys.map((k, i) => [k, (cells[i] ?? '').trim()]))) };
}

/** One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A CSV file's text in pieces of many lines: the header, then `row(i)` for i < count, each line
 * ending in a newline — `[header, ...rows].join('\n') + '\n'` without the whole text in memory.
 * @example
 *   await writeFileAtomic(path, csvPieces('id,score', scores.length, (i) => `${ids[i]},${scores[i]}`));
 */
export function* csvPieces(header: string, count: number, row: (i: number) => string): Generator<string, void, undefined> {
  let text = `${header}\n`;
  for (let i = 0; i < count; i++) {
    text += `${row(i)}\n`;
    if (text.length >= 1 << 16) {
      yield text;
      text = '';
    }
  }
  yield text;
}
