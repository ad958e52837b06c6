import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../base/atomic.ts';
import { SPLIT_FOLDERS } from '../data/types.ts';
import { MedpipeError } from '../base/errors.ts';

/** `medpipe init <name> --data <folder>`: writes pipelines/<name>.ts with the tutorial's defaults. */
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
  const folders = readdirSync(data).filter((f) => statSync(join(data, f)).isDirectory());
  const splitLayout = folders.length > 0 && folders.every((f) => f.toLowerCase() in SPLIT_FOLDERS);
  const classes = splitLayout
    ? [...new Set(folders.flatMap((f) => readdirSync(join(data, f)).filter((c) => statSync(join(data, f, c)).isDirectory())))].sort()
    : folders.sort();
  if (classes.length < 2) {
    throw new MedpipeError('NO_SAMPLES', `Found ${classes.length} class folder(s) in ${data}; binary classification needs two.`, {
      fix: 'Lay the data out as <folder>/<class>/image.png (optionally inside train/val/test folders).',
    });
  }
  const root = relative(dir, data) || '.';
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(target, template(name, root, classes));
  process.stdout.write(
    `wrote ${relative(process.cwd(), target)}: classes ${classes.join(', ')} (${classes[1]} = positive)${splitLayout ? ", keeping the data's own train/val/test split" : ''}\nrun it with: npx medpipe run ${relative(process.cwd(), target)}\n`,
  );
  return 0;
}

function template(name: string, root: string, classes: readonly string[]): string {
  return `// Pipeline '${name}', written by \`medpipe init\` with the tutorial's defaults. Edit freely:
// every stage is cached by its config, code and inputs, so a rerun only repeats what changed.
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('${name}', { seed: 42 })
  // Folder per class; paths are relative to this file. Class order = label order (last = positive).
  .stage(ingest.folder({ root: ${JSON.stringify(root)}, classes: ${JSON.stringify(classes)}, size: [64, 64], channels: 3, onBadFile: 'fail' }))
  .stage(normalize({ method: 'rescale' }))
  // Applied by fit to training batches only. No horizontal flip: it would fake dextrocardia on chest X-rays.
  .stage(augment({ rotation: 10, translate: 0.05, zoom: 0.1 }))
  // Keeps a train/val/test split the data already has; otherwise stratified 64/16/20.
  .stage(split())
  // BatchNorm momentum from the number of batches per epoch: Keras' 0.99 settles too slowly on small data.
  .stage(build.tutorialCnn({ batchNormMomentum: 'auto' }))
  .stage(fit({ epochs: 50, batchSize: 32, earlyStopping: { monitor: 'val_auc', patience: 10, restoreBestWeights: true } }))
  // Threshold chosen on the validation split (Youden's J) and frozen before test; 95% intervals on every
  // metric, calibration, operating points at sensitivity 0.80/0.90/0.95, subgroups, report.html.
  .stage(evaluate());
`;
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
