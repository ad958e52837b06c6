/**
 * Non-identifying metadata attributes of a sample, for subgroup analysis: the extra columns of an
 * ingest CSV and the source folder of a folder layout. Columns whose names look like they identify
 * a person are never kept.
 */

/** CSV columns ingest reads itself (path, label, group, split, slice and their synonyms). */
export const CSV_COLUMNS = new Set(['path', 'file', 'filename', 'label', 'class', 'group', 'split', 'slice']);

/** Column names that may identify a person (names, IDs, dates of birth, contact details). */
const IDENTIFYING = /name|patient|subject|mrn|record|birth|dob|address|street|zip|postcode|phone|mail|accession|ssn|social|insurance|identifier|^id$|[_ -]id$|^id[_ -]|uid$/i;

export interface CsvAttributes {
  readonly attributes?: Readonly<Record<string, string>>;
  /** Columns left out because their names look identifying. */
  readonly dropped: readonly string[];
}

/**
 * The row's extra columns as attributes (empty values left out).
 * @example
 *   csvAttributes({ path: 'a.png', label: 'b', sex: 'F', patient_name: 'X' }); // { attributes: { sex: 'F' }, dropped: ['patient_name'] }
 */
export function csvAttributes(row: Readonly<Record<string, string>>): CsvAttributes {
  const attributes: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(row)) {
    if (CSV_COLUMNS.has(key) || key === '') continue;
    if (IDENTIFYING.test(key)) dropped.push(key);
    else if (value !== '') attributes[key] = value;
  }
  return { ...(Object.keys(attributes).length > 0 ? { attributes } : {}), dropped };
}

/**
 * The source folder of a file in a folder layout: the first folder below the class folder
 * (`<class>/<source>/…/file`), or nothing when files sit directly in the class folder.
 * @example
 *   sourceFolder('train/pneumonia/site-b/x.png', 1); // 'site-b'
 */
export function sourceFolder(rel: string | readonly string[], classIndex: number): string | undefined {
  const parts = typeof rel === 'string' ? rel.split('/') : rel; // or already split (a listing of 10^5 files splits once)
  return parts.length > classIndex + 2 ? parts[classIndex + 1] : undefined;
}
