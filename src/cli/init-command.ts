import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../base/atomic.ts';
import { surveyFolder } from '../data/survey-folder.ts';
import { binaryTemplate, classTemplate } from './init-template.ts';
import { MedpipeError } from '../base/errors.ts';

/**
 * `medpipe init <name> --data <folder>`: surveys the folder (classes, task, sizes, colour, balance)
 * and writes pipelines/<name>.ts: the tutorial's defaults for two classes, a multi-class or ordinal
 * pipeline with comments fitted to the data for more.
 */
export async function initCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { data: { type: 'string' }, dir: { type: 'string' }, force: { type: 'boolean' } },
  });
  const name = positionals[0];
  if (!name || !/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new MedpipeError('INVALID_CONFIG', `init needs a pipeline name of letters, digits, - or _ (got '${name ?? ''}').`, {
      fix: 'medpipe init xray --data path/to/images',
    });
  }
  if (!values.data)
    throw new MedpipeError('INVALID_CONFIG', 'init needs --data <folder> (one sub-folder per class).', { fix: `medpipe init ${name} --data path/to/images` });
  const data = resolve(values.data);
  if (!existsSync(data) || !statSync(data).isDirectory()) {
    throw new MedpipeError('DATA_NOT_FOUND', `Data folder ${data} does not exist.`, { fix: 'Point --data at a folder with one sub-folder per class.' });
  }
  const dir = resolve(values.dir ?? 'pipelines');
  // Pipelines are ES modules: a .ts file is one only under a package.json with "type": "module".
  const target = join(dir, `${name}.${isEsmPackage(dir) ? 'ts' : 'mts'}`);
  if (existsSync(target) && !values.force) {
    throw new MedpipeError('INVALID_CONFIG', `${target} already exists.`, { fix: 'Choose another name or pass --force to overwrite it.' });
  }
  const survey = await surveyFolder(data);
  const classes = survey.classes;
  if (classes.length < 2) {
    throw new MedpipeError('NO_SAMPLES', `Found ${classes.length} class folder(s) in ${data}; classification needs at least two.`, {
      fix: 'Lay the data out as <folder>/<class>/image.png (optionally inside train/val/test folders).',
    });
  }
  const root = relative(dir, data) || '.';
  await mkdir(dir, { recursive: true });
  const binary = survey.task.task === 'binary';
  await writeFileAtomic(target, (binary ? binaryTemplate : classTemplate)({ name, root, survey }));
  const layout = survey.splitFolders.length ? `, keeping the data's own ${survey.splitFolders.join('/')} split` : '';
  const what = binary ? `classes ${classes.join(', ')} (${classes[1]} = positive)` : `${survey.task.reason}; ${survey.total} images`;
  process.stdout.write(`wrote ${relative(process.cwd(), target)}: ${what}${layout}\nrun it with: npx medpipe run ${relative(process.cwd(), target)}\n`);
  return 0;
}

/** Whether .ts files in `dir` load as ES modules (the nearest package.json says "type": "module"). */
function isEsmPackage(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    const manifest = join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(current) === current) return false;
  }
}
