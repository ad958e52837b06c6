/**
 * One ingest job (a run of input files → shards) as a unit of work (src/base/units.ts), for runs
 * whose units go to workers (`medpipe run --redis`). Its key is the hash of what the shards depend
 * on: each file's path in the data set, content hash and wanted slices, the decode spec (with
 * DECODER_VERSION) and the shard size limit — not where the files are, so every checkout that
 * reads the same files asks for the same unit. A worker reads the files on the path the coordinator
 * gives (a shared filesystem), writes the shards into its cache's objects folder, and the shards
 * travel back by content hash as the result's refs.
 */
import type { Codec } from '../../base/artifact.ts';
import type { UnitDefinition } from '../../base/units.ts';
import { MedpipeError } from '../../base/errors.ts';
import type { IngestJob, IngestJobResult, JobFile } from './ingest-job.ts';
import { saltKey } from './group-salt.ts';

export interface ShardInput {
  readonly job: IngestJob;
  /** The objects folder the shards are written to (the cache of whoever runs the unit). */
  readonly objectsDir: string;
}

interface InputMeta {
  /** [path in the data set, content hash, wanted slices] per file: the key. */
  readonly files: readonly (readonly [string, string, JobFile['want']])[];
  readonly decode: IngestJob['decode'];
  readonly maxShardBytes: number;
  /** Where each file is on the coordinator's filesystem (shared with the workers); not in the key. */
  readonly at: readonly string[];
}

const inputCodec: Codec<ShardInput> = {
  encode: ({ job }) => ({
    meta: {
      files: job.files.map((f) => {
        if (f.hash === undefined) throw new MedpipeError('INTERNAL', `ingest shard unit: ${f.rel} has no content hash yet.`);
        return [f.rel, f.hash, f.want] as const;
      }),
      decode: job.decode,
      maxShardBytes: job.maxShardBytes,
      at: job.files.map((f) => f.abs),
    } satisfies InputMeta,
    blobs: {},
  }),
  decode: (artifact) => {
    const meta = artifact.meta as InputMeta;
    if (!artifact.objectsDir) throw new MedpipeError('INTERNAL', 'ingest shard unit: decoded without a cache to write its shards to.');
    return {
      job: {
        files: meta.files.map(([rel, hash, want], i) => ({ rel, hash, want, abs: meta.at[i]! })),
        decode: meta.decode,
        maxShardBytes: meta.maxShardBytes,
      },
      objectsDir: artifact.objectsDir,
    };
  },
};

const resultCodec: Codec<IngestJobResult> = {
  encode: (result) => ({ meta: result, blobs: {}, refs: result.shards.map(({ hash, size }) => ({ hash, size })) }),
  decode: (artifact) => artifact.meta as IngestJobResult,
};

export const shardUnit: UnitDefinition<ShardInput, IngestJobResult> = {
  kind: 'ingest.shards',
  version: 1,
  usesTf: false,
  input: inputCodec,
  result: resultCodec,
  keyPart: (meta) => {
    const { at: _where, ...key } = meta as InputMeta;
    return key;
  },
  // The job on the thread that runs the unit: a worker runs one unit per job process.
  load: async () => {
    const { runIngestJob } = await import('./ingest-job.ts');
    return async ({ job, objectsDir }, work) => {
      // The salt is not in the job (only a hash of a hash of it): a worker without the coordinator's would write other group keys.
      if (job.decode.saltKey !== saltKey()) {
        throw new MedpipeError('EXECUTOR', 'This worker has another MEDPIPE_GROUP_SALT than the run that planned the ingest job (or none).', {
          fix: 'Give every worker the MEDPIPE_GROUP_SALT of the coordinator.',
        });
      }
      return runIngestJob(job, objectsDir, work.signal);
    };
  },
};
