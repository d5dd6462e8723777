import assert from "node:assert/strict";
import { isTzError, TzError } from "../../lib/base/error.ts";
import { isPointIdError, PointIdError, type PointIdErrorKind } from "../../lib/base/point_id.ts";
import { CliError, type CliErrorKind, isCliError } from "../../lib/cli/errors.ts";
import { isP2pError, P2pError, type P2pErrorKind } from "../../lib/connection/errors.ts";
import { CryptoError, type CryptoErrorKind, isCryptoError } from "../../lib/crypto/errors.ts";
import {
  DecodeError,
  type DecodeErrorKind,
  EncodeError,
  type EncodeErrorKind,
  isDecodeError,
  isEncodeError,
} from "../../lib/encoding/errors.ts";
import {
  GossipsubWorkerError,
  type GossipsubWorkerErrorKind,
  isGossipsubWorkerError,
} from "../../lib/gossipsub/worker/gossipsub_worker_error.ts";
import { isNodeError, NodeError, type NodeErrorKind } from "../../lib/node/errors.ts";

/**
 * `K` when every kind of the union is a literal in snake_case (no upper case, no `-`, no space),
 * `never` otherwise: a class whose `kind` is a plain string, or that gains a kind such as
 * `"EventFailed"`, makes its row below fail to type-check. The compiler checks every kind this
 * way, so a row lists only the kinds its tests use.
 */
type SnakeKinds<K extends string> = string extends K ? never
  : [K] extends [Lowercase<K>]
    ? [Extract<K, `${string}${"-" | " "}${string}`>] extends [never] ? K : never
  : never;

/** One error class: how to build one of a kind, its guard, and kinds to test it with. */
interface Row {
  readonly name: string;
  readonly make: (kind: string, options?: ErrorOptions) => TzError;
  readonly guard: (value: unknown, kind?: string) => boolean;
  readonly kinds: readonly string[];
}

/** Erases the class's types once the compiler has checked them. */
function row<K extends string, E extends TzError<K>>(
  name: string,
  kinds: readonly [SnakeKinds<K>, ...SnakeKinds<K>[]],
  make: (kind: K, options?: ErrorOptions) => E,
  guard: (value: unknown, kind?: K) => value is E,
): Row {
  return {
    name,
    make: make as unknown as Row["make"],
    guard: guard as unknown as Row["guard"],
    kinds,
  };
}

const rows: Row[] = [
  row<DecodeErrorKind, DecodeError>(
    "DecodeError",
    [
      "not_enough_data",
      "extra_bytes",
      "unexpected_tag",
      "list_too_long",
      "size_limit_exceeded",
      "invalid_int",
      "invalid_point",
      "invalid_utf8",
      "invalid_conversion",
    ],
    (kind, options) => new DecodeError(kind, "m", { path: "A.b", offset: 3 }, options),
    isDecodeError,
  ),
  row<EncodeErrorKind, EncodeError>(
    "EncodeError",
    [
      "invalid_int",
      "size_limit_exceeded",
      "list_too_long",
      "invalid_size",
      "unexpected_case",
      "invalid_conversion",
    ],
    (kind, options) => new EncodeError(kind, "m", { path: "A.b" }, options),
    isEncodeError,
  ),
  row<CryptoErrorKind, CryptoError>(
    "CryptoError",
    [
      "invalid_base58",
      "bad_checksum",
      "bad_prefix",
      "bad_length",
      "identity_mismatch",
      "identity_keys_mismatch",
      "insufficient_pow",
      "invalid_identity_file",
      "no_identity_file",
      "identity_file_exists",
      "low_order_key",
      "decipher_error",
      "aborted",
      "worker_failed",
    ],
    (kind, options) => new CryptoError(kind, "m", {}, options),
    isCryptoError,
  ),
  row<P2pErrorKind, P2pError>(
    "P2pError",
    [
      "not_enough_proof_of_work",
      "myself",
      "connection_closed",
      "decipher_error",
      "invalid_auth",
      "rejected_by_nack",
      "rejected_socket_connection",
      "decoding_error",
      "encoding_error",
      "invalid_message_size",
      "invalid_incoming_ciphertext_size",
      "invalid_chunks_size",
      "timeout",
      "canceled",
    ],
    (kind, options) => new P2pError(kind, "m", {}, options),
    isP2pError,
  ),
  row<PointIdErrorKind, PointIdError>(
    "PointIdError",
    ["invalid_point"],
    (kind, options) => new PointIdError(kind, "m", { text: "x" }, options),
    isPointIdError,
  ),
  row<NodeErrorKind, NodeError>(
    "NodeError",
    ["closed", "invalid_point", "dial_refused", "dial_failed", "overloaded"],
    (kind, options) => new NodeError(kind, "m", {}, options),
    isNodeError,
  ),
  row<GossipsubWorkerErrorKind, GossipsubWorkerError>(
    "GossipsubWorkerError",
    ["event_failed"],
    (kind, options) => new GossipsubWorkerError(kind, "m", { eventKind: "Heartbeat" }, options),
    isGossipsubWorkerError,
  ),
  row<CliErrorKind, CliError>(
    "CliError",
    ["usage", "invalid_input", "identity", "io", "interrupted"],
    (kind, options) => new CliError(kind, "m", {}, options),
    isCliError,
  ),
];

for (const { name, make, guard, kinds } of rows) {
  Deno.test(`${name} is a TzError with its own name, the kind, details and cause it was given`, () => {
    const cause = new Error("underneath");
    for (const kind of kinds) {
      const error = make(kind, { cause });
      assert.ok(error instanceof TzError && error instanceof Error);
      assert.equal(error.name, name);
      assert.equal(error.kind, kind);
      assert.equal(error.message, "m");
      assert.equal(typeof error.details, "object");
      assert.equal(error.cause, cause);
      assert.ok(isTzError(error) && isTzError(error, kind));
    }
    assert.equal("cause" in make(kinds[0]), false);
  });

  Deno.test(`${name}: every kind is snake_case`, () => {
    for (const kind of kinds) assert.match(kind, /^[a-z]+(_[a-z0-9]+)*$/);
  });

  Deno.test(`${name}'s guard narrows by kind, and refuses other errors`, () => {
    const error = make(kinds[0]);
    assert.equal(guard(error), true);
    assert.equal(guard(error, kinds[0]), true);
    if (kinds.length > 1) assert.equal(guard(error, kinds[1]), false);
    assert.equal(guard(new Error(error.message)), false);
    assert.equal(guard({ name, kind: kinds[0], details: {} }), false);
    for (const other of rows) {
      if (other.name !== name) assert.equal(guard(other.make(other.kinds[0])), false, other.name);
    }
  });
}

Deno.test("every error class has its own name", () => {
  assert.equal(new Set(rows.map((r) => r.name)).size, rows.length);
});

Deno.test("isTzError() refuses plain errors and look-alikes, and narrows by kind", () => {
  assert.equal(isTzError(new Error("x")), false);
  assert.equal(isTzError(new TypeError("x")), false);
  assert.equal(isTzError({ kind: "closed", details: {} }), false);
  const error = new NodeError("closed", "the node is closed");
  assert.equal(isTzError(error, "closed"), true);
  assert.equal(isTzError(error, "dial_failed"), false);
});

Deno.test("DecodeError and EncodeError keep path and offset as properties, read from details", () => {
  const decode = DecodeError.at("extra_bytes", "Ack", 1, "2 bytes left");
  assert.deepEqual(decode.details, { path: "Ack", offset: 1 });
  assert.equal(decode.path, "Ack");
  assert.equal(decode.offset, 1);
  assert.equal(decode.message, "extra_bytes at Ack (offset 1): 2 bytes left");
  const encode = EncodeError.at("invalid_int", "", "70000");
  assert.deepEqual(encode.details, { path: "" });
  assert.equal(encode.path, "");
  assert.equal(encode.message, "invalid_int at <top>: 70000");
});

Deno.test("CliError, GossipsubWorkerError and PointIdError keep their properties, read from details", () => {
  assert.equal(new CliError("invalid_input", "line 4: bad", { line: 4 }).line, 4);
  assert.equal(new CliError("usage", "bad").line, undefined);
  assert.equal(new CliError("usage", "bad").exitCode, 2);
  const crash = new GossipsubWorkerError("event_failed", "m", { eventKind: "P2pInput" });
  assert.equal(crash.eventKind, "P2pInput");
  assert.equal(new PointIdError("invalid_point", "m", { text: "1.2.3.4" }).text, "1.2.3.4");
});
