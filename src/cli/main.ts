import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { remoteOptionsFromEnv, type RemoteOptions } from '../remote/open-remote.ts';
import { formatCliError } from '../view/format.ts';

export { useBundle } from '../base/bundle.ts';

const HELP = `medpipe — pipeline-as-code for medical image CNNs

Usage:
  medpipe run <pipeline.ts> [--cache DIR] [--seed N] [--out DIR] [--backend NAME] [--history DB] [--watch] [--plain]
                                      [--redis URL] [--remote URL [--remote-mode read|readwrite] [--remote-key F] [--remote-trust F,...]]
  medpipe check <pipeline.ts>         type-check and validate without running anything
  medpipe status <pipeline.ts> [--cache DIR] [--remote URL ...]
  medpipe worker --redis URL [--concurrency N] [--cache DIR] [--remote URL ...] [--queue NAME]
  medpipe keygen <name>               write <name>.key and <name>.pub, an Ed25519 key pair for the remote cache
  medpipe clean [--cache DIR] [--keep-last N]
  medpipe init <name> --data <folder> [--dir pipelines]
  medpipe predict <model-dir> <image|folder> [--threshold T]
                  segmentation models: [--out DIR] [--probabilities] [--roi FILE|DIR [--roi-match '{id}_mask.gif']]
  medpipe runs [pipeline] [--history DB] [--json]
  medpipe compare <run> <run> [--history DB] [--resamples N] [--json]
  medpipe report <run> [--history DB] [--out FILE]
  medpipe version                     medpipe's version, and whether it runs its prebuilt bundle (dist/) or its sources

Options:
  --cache DIR     cache folder (default: ./cache or $MEDPIPE_CACHE)
  --seed N        seed for splitting, init, shuffling, dropout, augmentation (default: the pipeline's, else 42)
  --out DIR       output folder (default: out/<pipeline name>)
  --backend NAME  force a TensorFlow.js backend: tensorflow-gpu, cuda, tensorflow, native, cpu
  --watch         stay up and rerun what a change to the data or the pipeline file invalidates
  --plain         plain event lines even on a terminal
  --history DB    run history database (default: $MEDPIPE_HISTORY, else runs/history.db beside the cache;
                  MEDPIPE_HISTORY=off turns it off). A run is named by its number, latest, or its id.
  --redis URL     send tune trials and crossValidate folds as jobs to \`medpipe worker\`s through this Redis
  --remote URL    a shared cache: s3://bucket/prefix (AWS environment: credentials, AWS_REGION, AWS_ENDPOINT_URL)
                  or file:///shared/dir (default: $MEDPIPE_REMOTE)
  --remote-mode   read (default: download only) or readwrite (also upload; for trusted CI and workers)
  --remote-key F  Ed25519 private key that signs uploads (readwrite), from \`medpipe keygen\` ($MEDPIPE_REMOTE_KEY)
  --remote-trust  public keys whose remote entries are trusted, comma-separated ($MEDPIPE_REMOTE_TRUST)
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
      case 'worker':
        return await (await import('./worker-command.ts')).workerCommand(rest);
      case 'keygen':
        return await (await import('./keygen-command.ts')).keygenCommand(rest);
      case 'version':
      case '--version':
        return await (await import('./version-command.ts')).versionCommand();
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

/** The remote cache flags shared by run, status and worker. */
export const REMOTE_FLAGS = {
  remote: { type: 'string' },
  'remote-mode': { type: 'string' },
  'remote-key': { type: 'string' },
  'remote-trust': { type: 'string' },
} as const;

/** The remote cache the flags name, else the one MEDPIPE_REMOTE* names (undefined: none). */
export function remoteOptions(values: { remote?: string; 'remote-mode'?: string; 'remote-key'?: string; 'remote-trust'?: string }): RemoteOptions | undefined {
  const env = remoteOptionsFromEnv();
  const url = values.remote ?? env?.url;
  if (!url) {
    const stray = (['remote-mode', 'remote-key', 'remote-trust'] as const).find((flag) => values[flag] !== undefined);
    if (stray)
      throw new MedpipeError('INVALID_CONFIG', `--${stray} needs a remote cache.`, { fix: 'Add --remote s3://bucket/prefix or --remote file:///shared/dir.' });
    return undefined;
  }
  return {
    url,
    mode: (values['remote-mode'] ?? env?.mode) as RemoteOptions['mode'],
    key: values['remote-key'] ?? env?.key,
    trust: values['remote-trust'] !== undefined ? values['remote-trust'].split(',').filter(Boolean) : env?.trust,
  };
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
      redis: { type: 'string' },
      ...REMOTE_FLAGS,
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
      redis: values.redis,
      remote: remoteOptions(values),
      baseDir: dirname(path),
      history: values.history,
    },
  };
}
