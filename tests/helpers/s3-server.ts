// An S3 endpoint on loopback for the remote cache tests: s3rver (runs on Node 20), in this process,
// storing in a temp folder. s3rver predates S3's conditional writes (2024), so this adds the one
// S3 behaviour the cache relies on, as S3 implements it: a PUT with `If-None-Match: *` on a key that
// exists answers 412 PreconditionFailed (puts of one key are serialised, as S3 does atomically).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly dir: string;
  /** Environment for a client of this server (the usual AWS variables). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** S3rver's fixed credentials: it rejects any other key with InvalidAccessKeyId. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export async function startS3Server(bucket = 'medpipe-test'): Promise<S3Server> {
  // s3rver ships no types; the few members used here are typed below.
  const name = 's3rver';
  const { default: S3rver } = (await import(name)) as { default: new (options: object) => S3rverInstance };
  const dir = await mkdtemp(path.join(tmpdir(), 'medpipe-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const locks = new Map<string, Promise<void>>();
  server.middleware.unshift(async (ctx, next) => {
    if (ctx.method !== 'PUT' || ctx.get('if-none-match') !== '*') return next();
    const [, target, ...rest] = decodeURIComponent(ctx.path).split('/');
    const id = `${target}/${rest.join('/')}`;
    const before = locks.get(id) ?? Promise.resolve();
    let release = () => undefined as void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    locks.set(
      id,
      before.then(() => mine),
    );
    await before;
    try {
      if (await server.store.existsObject(target!, rest.join('/'))) {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';
        return;
      }
      await next();
    } finally {
      release();
    }
  });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    dir,
    env: { ...S3RVER_CREDENTIALS, AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1' },
    async stop() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface KoaContext {
  method: string;
  path: string;
  status: number;
  type: string;
  body: unknown;
  get(header: string): string;
}

interface S3rverInstance {
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
  store: { existsObject(bucket: string, key: string): Promise<boolean> };
  run(): Promise<unknown>;
  close(): Promise<void>;
}
