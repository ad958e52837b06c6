import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { acPath, casPath, type RemoteStorage } from './storage.ts';

/**
 * A remote cache on any S3-compatible store (AWS S3, MinIO, Ceph, R2, ...), configured the usual
 * AWS way: credentials from the default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile,
 * an instance role), the region from AWS_REGION or the profile (us-east-1 when there is neither),
 * and another endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (then path-style addressing,
 * which every S3-compatible server accepts). Entries are written with `If-None-Match: *`, S3's
 * conditional put: the second writer of a key gets 412 and loses.
 * @example
 *   const storage = s3Storage('team-bucket', 'medpipe/cache', 's3://team-bucket/medpipe/cache');
 */
export function s3Storage(bucket: string, prefix: string, url: string): RemoteStorage {
  // Node 20 is this project's platform (package.json engines); the SDK's notice that later SDK
  // releases will need Node 22 says nothing a medpipe user can act on, and the lock file pins the SDK.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  // The SDK is loaded on first use: a run without a remote, or a fully local hit, never pays for it.
  let loading: Promise<{ s3: typeof import('@aws-sdk/client-s3'); client: import('@aws-sdk/client-s3').S3Client }> | undefined;
  const sdk = () =>
    (loading ??= import('@aws-sdk/client-s3').then((s3) => {
      const configured = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      const hasProfile = existsSync(process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'));
      const client = new s3.S3Client({
        ...(configured || hasProfile ? {} : { region: 'us-east-1' }),
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        // One quick answer matters more than persistence: a failing remote is dropped for the run.
        maxAttempts: 2,
      });
      return { s3, client };
    }));
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const keyOf = (path: string) => (base ? `${base}/${path}` : path);
  const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const notFound = (error: unknown) => {
    const name = (error as Error).name;
    return name === 'NoSuchKey' || name === 'NotFound' || status(error) === 404;
  };
  const read = async (path: string): Promise<Uint8Array | undefined> => {
    try {
      const { s3, client } = await sdk();
      const answer = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: keyOf(path) }));
      return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  };
  return {
    url,
    accessFix: `check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), AWS_REGION${endpoint ? ' and AWS_ENDPOINT_URL' : ''}, and that bucket '${bucket}' exists and allows this`,
    cas: {
      async size(hash) {
        const { s3, client } = await sdk();
        try {
          const head = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: keyOf(casPath(hash)) }));
          return head.ContentLength;
        } catch (error) {
          if (notFound(error)) return undefined;
          throw error;
        }
      },
      get: (hash) => read(casPath(hash)),
      async put(hash, bytes) {
        const { s3, client } = await sdk();
        await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: keyOf(casPath(hash)), Body: bytes }));
      },
    },
    ac: {
      get: (key) => read(acPath(key)),
      async putIfAbsent(key, bytes) {
        const { s3, client } = await sdk();
        try {
          await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: keyOf(acPath(key)), Body: bytes, IfNoneMatch: '*' }));
          return true;
        } catch (error) {
          // 412: the key exists; 409: a concurrent conditional write of the same key is in flight.
          if (status(error) === 412 || status(error) === 409) return false;
          throw error;
        }
      },
    },
  };
}
