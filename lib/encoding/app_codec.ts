/**
 * How application messages plug into the P2P envelope. Octez's `P2p_message.encoding` takes a list
 * of application cases, each with its own u16 tag; here a codec covers a set of tags, and several
 * codecs combine into one.
 *
 * @module
 */

import { EncodeError } from "./errors.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * A codec for the application messages carried by `P2pMessage` `Message` cases. Generated codecs
 * of u16-tagged unions (e.g. `dalGossipCodec`) implement it.
 */
export interface AppCodec<M> {
  /** The u16 tags this codec decodes. */
  readonly tags: readonly number[];
  /** Encoded size of `message`, including its 2-byte tag. */
  sizeOf(message: M): number;
  /** Writes the 2-byte tag then the body of `message`. */
  write(w: Writer, message: M): void;
  /** Reads the body of a message whose tag was `tag`; throws `unexpected_tag` for foreign tags. */
  read(r: Reader, tag: number): M;
}

/** An application message for which no codec is registered, kept as raw bytes. */
export interface RawAppMessage {
  /** Discriminant. */
  readonly kind: "Raw";
  /** The u16 tag. */
  readonly tag: number;
  /** The body, as a view into the decoded input. */
  readonly body: Uint8Array;
}

/**
 * A codec that accepts every application tag and keeps bodies as raw bytes: what a crawler or a
 * traffic decoder uses for messages it does not understand.
 */
export const rawAppCodec: AppCodec<RawAppMessage> = {
  tags: [],
  sizeOf: (m) => 2 + m.body.length,
  write(w, m) {
    w.at = "RawAppMessage";
    w.u16(m.tag);
    w.raw(m.body);
  },
  read: (r, tag) => ({ kind: "Raw", tag, body: r.rest() }),
};

/** An application codec whose messages are tagged unions with a string `kind`. */
export interface KindedAppCodec<M extends { readonly kind: string }> extends AppCodec<M> {
  /** The `kind`s of the messages this codec encodes. */
  readonly kinds: readonly string[];
}

/**
 * Combines codecs for disjoint tag and kind sets into one; a message is routed to its codec by its
 * `kind` when writing and by its tag when reading. Unknown tags still fail with `unexpected_tag`,
 * unless `fallback` (e.g. {@link rawAppCodec}) is given.
 *
 * @throws {RangeError} when two codecs share a tag or a kind.
 */
export function combineAppCodecs<M extends { readonly kind: string }>(
  codecs: readonly KindedAppCodec<M>[],
  fallback?: AppCodec<M>,
): KindedAppCodec<M> {
  const byTag = new Map<number, AppCodec<M>>();
  const byKind = new Map<string, AppCodec<M>>();
  for (const codec of codecs) {
    for (const tag of codec.tags) {
      if (byTag.has(tag)) throw new RangeError(`combineAppCodecs: tag ${tag} declared twice`);
      byTag.set(tag, codec);
    }
    for (const kind of codec.kinds) {
      if (byKind.has(kind)) throw new RangeError(`combineAppCodecs: kind ${kind} declared twice`);
      byKind.set(kind, codec);
    }
  }
  const route = (m: M): AppCodec<M> => {
    const codec = byKind.get(m.kind) ?? fallback;
    if (codec === undefined) {
      throw EncodeError.at("unexpected_case", "AppMessage", `no codec for kind ${m.kind}`);
    }
    return codec;
  };
  return {
    tags: [...byTag.keys()],
    kinds: [...byKind.keys()],
    sizeOf: (m) => route(m).sizeOf(m),
    write: (w, m) => route(m).write(w, m),
    read(r, tag) {
      const codec = byTag.get(tag) ?? fallback;
      if (codec === undefined) throw r.error("unexpected_tag", `application tag ${tag}`, r.pos - 2);
      return codec.read(r, tag);
    },
  };
}
