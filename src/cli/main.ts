import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { formatCliError } from '../view/format.ts';

const HELP = `medpipe — pipeline-as-code for medical image CNNs

Usage:
  medpipe run <pipeline.ts> [--cache DIR] [--seed N] [--out DIR] [--backend NAME] [--history DB] [--watch] [--plain]
  medpipe check <pipeline.ts>         type-check and validate without running anything
  medpipe status <pipeline.ts> [--cache DIR]
  medpipe clean [--cache DIR] [--keep-last N]
  medpipe init <name> --data <folder> [--dir pipelines]
  medpipe predict <model-dir> <image|folder> [--threshold T]
  medpipe runs [pipeline] [--history DB] [--json]
  medpipe compare <run> <run> [--history DB] [--resamples N] [--json]
  medpipe report <run> [--history DB] [--out FILE]

Options:
  --cache DIR     cache folder (default: ./cache or $MEDPIPE_CACHE)
  --seed N        seed for splitting, init, shuffling, dropout, augmentation (default: the pipeline's, else 42)
  --out DIR       output folder (default: out/<pipeline name>)
  --backend NAME  force a TensorFlow.js backend: tensorflow-gpu, cuda, tensorflow, native, cpu
  --watch         stay up and rerun what a change to the data or the pipeline file invalidates
  --plain         plain event lines even on a terminal
  --history DB    run history database (default: $MEDPIPE_HISTORY, else runs/history.db beside the cache;
                  MEDPIPE_HISTORY=off turns it off). A run is named by its number, latest, or its id.
`;

/** The CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await (await import('./run-command.ts')).runCommand(rest);
      case 'check':
        return await (await import('./check-command.ts')).checkCommand(rest);
      case 'status':
        return await (await import('./status-command.ts')).statusCommand(rest);
      case 'clean':
        return await (await import('./clean-command.ts')).cleanCommand(rest);
      case 'init':
        return await (await import('./init-command.ts')).initCommand(rest);
      case 'predict':
        return await (await import('./predict-command.ts')).predictCommand(rest);
      case 'runs':
        return await (await import('./runs-command.ts')).runsCommand(rest);
      case 'compare':
        return await (await import('./compare-command.ts')).compareCommand(rest);
      case 'report':
        return await (await import('./report-command.ts')).reportCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`medpipe: unknown command '${command}'.\n\n${HELP}`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(formatError(error) + '\n');
    return error instanceof MedpipeError && error.code === 'INVALID_CONFIG' ? 2 : 1;
  }
}

export function formatError(error: unknown): string {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `medpipe: ${error.message}\n\n${HELP}`;
  }
  return formatCliError(error);
}

/** Parses the options shared by run and status. */
export function parseRunArgs(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      cache: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      history: { type: 'string' },
      watch: { type: 'boolean' },
      plain: { type: 'boolean' },
    },
  });
  const file = positionals[0];
  if (!file) throw new MedpipeError('INVALID_CONFIG', 'Which pipeline? Missing the pipeline file.', { fix: 'medpipe run pipelines/xray.ts' });
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new MedpipeError('INVALID_CONFIG', `--seed must be an integer, got '${values.seed}'.`, { fix: '--seed 42' });
  }
  const path = resolve(file);
  return {
    file: path,
    watch: values.watch ?? false,
    plain: values.plain ?? false,
    options: {
      cacheDir: values.cache,
      seed,
      outDir: values.out,
      backend: values.backend,
      baseDir: dirname(path),
      history: values.history,
    },
  };
}
