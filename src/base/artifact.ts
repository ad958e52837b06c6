/**
 * How a value is stored: small JSON plus named binary payloads. A port's codec turns its data into
 * an artifact and back, so stage code never restates encode/decode; the cache stores artifacts.
 */
export interface Artifact {
  readonly meta: unknown;
  readonly blobs: Readonly<Record<string, Uint8Array>>;
}

/** Encode and decode of one data type; `decode(encode(x))` must give back an equal value. */
export interface Codec<T> {
  readonly encode: (value: T) => Artifact | Promise<Artifact>;
  readonly decode: (artifact: Artifact) => T | Promise<T>;
}

/** For data that is plain JSON already. */
export function jsonCodec<T>(): Codec<T> {
  return { encode: (value) => ({ meta: value, blobs: {} }), decode: (artifact) => artifact.meta as T };
}
