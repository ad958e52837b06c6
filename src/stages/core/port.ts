import type { Codec } from '../../base/artifact.ts';
import type { Flow } from './stage-node.ts';

/**
 * A port: the name of what flows between two stages, the data type behind it and how that data is
 * stored. A stage definition names its input and output ports; the runtime stores and loads a
 * stage's output with the output port's codec, so no stage restates encode/decode. The image ports
 * are where a different store (sharded, streamed datasets) plugs in: change the codec and the data
 * type here, and every stage that reads `images` or `splits` sees the new store through them.
 */
export interface Port<Name extends string, Data> {
  readonly name: Name;
  readonly codec: Codec<Data>;
  /**
   * The same port, typed for a stage whose output extends the port's data (tune's output is fit's
   * plus the grid results). The codec must round-trip the extra fields, as the JSON-meta codecs do.
   */
  readonly as: <Sub extends Data>() => Port<Name, Sub>;
  /** Phantom: the data type, for `DataOf`. */
  readonly __data?: Data;
}

export type AnyPort = Port<string, any>;
export type DataOf<P> = P extends { readonly codec: Codec<infer D> } ? D : never;
export type FlowOf<P> = P extends { readonly name: infer N extends string } ? Flow<N> : never;

/** Declares a port. */
export function definePort<Name extends string, Data>(name: Name, codec: Codec<Data>): Port<Name, Data> {
  const port: Port<Name, Data> = Object.freeze({ name, codec, as: <Sub extends Data>() => port as unknown as Port<Name, Sub> });
  return port;
}
