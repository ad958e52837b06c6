// Where things are, resolved from the project root (not the current folder, not the test file's
// folder): the test fixtures, the reference scripts, and the shared real data beside the project.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures');
export const REFERENCE = path.join(ROOT, 'tests', 'reference');
/** `../shared/data` next to the project (read in place, never copied into it). */
export const SHARED_DATA = path.resolve(ROOT, '..', 'shared', 'data');
