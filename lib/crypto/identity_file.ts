/**
 * `identity.json`, read and written exactly as Octez does (`Identity_file` in Octez), as pure
 * string/object functions and as file functions.
 *
 * Octez writes the object with `Data_encoding.Json.to_string ~minify:false`, whose pretty printer
 * breaks the two 64-digit keys onto their own lines (78-column margin). All values have fixed
 * lengths, so the layout is always the same:
 *
 * ```text
 * { "peer_id": "idrRoknJh9zwEePNswF3MPGFzmKaVp",
 *   "public_key":
 *     "5fd7…c94a",
 *   "secret_key":
 *     "213d…502e",
 *   "proof_of_work_stamp": "4b13…fc95" }
 * ```
 *
 * (no trailing newline; reproduced from an Octez-generated file kept by tezedge,
 * `docker/identities/identity_ocaml.json`).
 *
 * @module
 */

import { toHex, tryFromHex } from "../encoding/hex.ts";
import { CryptoError, isCryptoError } from "./errors.ts";
import { checkIdentity, type Identity } from "./identity.ts";
import { peerIdFromString, peerIdOfPublicKey, peerIdToString } from "./peer_id.ts";

/** The JSON object of an identity file; `peer_id` is optional on read. */
export interface IdentityJson {
  /** Base58check peer id (`id…`). */
  readonly peer_id?: string;
  /** 64 hex digits. */
  readonly public_key: string;
  /** 64 hex digits. */
  readonly secret_key: string;
  /** 48 hex digits. */
  readonly proof_of_work_stamp: string;
}

/** Options when reading an identity. */
export interface ReadIdentityOptions {
  /** Required PoW difficulty (Octez `expected_pow`); the stamp is not checked when omitted. */
  readonly expectedPow?: number;
}

/** Options of {@link writeIdentityFile}. */
export interface WriteIdentityOptions {
  /** Replace an existing file (Octez refuses to; so does this function by default). */
  readonly overwrite?: boolean;
}

const FIELDS = ["peer_id", "public_key", "secret_key", "proof_of_work_stamp"] as const;
const HEX_LENGTHS = { public_key: 32, secret_key: 32, proof_of_work_stamp: 24 } as const;

/**
 * The JSON object of an identity, fields in Octez's order.
 *
 * @param identity The identity.
 * @returns An object with `peer_id`, `public_key`, `secret_key`, `proof_of_work_stamp`.
 */
export function identityToJsonObject(identity: Identity): Required<IdentityJson> {
  return {
    peer_id: peerIdToString(identity.peerId),
    public_key: toHex(identity.publicKey),
    secret_key: toHex(identity.secretKey),
    proof_of_work_stamp: toHex(identity.proofOfWorkStamp),
  };
}

/**
 * The text of `identity.json`, byte for byte as Octez writes it.
 *
 * @param identity The identity.
 * @returns The file contents (no trailing newline, as Octez).
 */
export function identityToJson(identity: Identity): string {
  const json = identityToJsonObject(identity);
  return `{ "peer_id": "${json.peer_id}",\n` +
    `  "public_key":\n    "${json.public_key}",\n` +
    `  "secret_key":\n    "${json.secret_key}",\n` +
    `  "proof_of_work_stamp": "${json.proof_of_work_stamp}" }`;
}

/**
 * An identity from its JSON object, checked as Octez checks it on reading: the fields are well
 * formed, the peer id (when present) is H128 of the public key, the secret key gives the public
 * key, and the stamp reaches `expectedPow` when given.
 *
 * @param value A parsed JSON value.
 * @param options The required PoW difficulty.
 * @param path The file it came from, for error details.
 * @returns The identity.
 * @throws {CryptoError} `invalid_identity_file` (not an object, unknown, missing or malformed
 * field), `identity_mismatch`, `identity_keys_mismatch` or `insufficient_pow`.
 */
export function identityFromJsonObject(
  value: unknown,
  options: ReadIdentityOptions = {},
  path?: string,
): Identity {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("an identity must be a JSON object", path);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw invalid(`unexpected field ${JSON.stringify(key)}`, path, key);
    }
  }
  const bytesField = (field: keyof typeof HEX_LENGTHS): Uint8Array => {
    const text = record[field];
    if (text === undefined) throw invalid(`missing field "${field}"`, path, field);
    const bytes = typeof text === "string" ? tryFromHex(text) : undefined;
    if (bytes === undefined || bytes.length !== HEX_LENGTHS[field]) {
      throw invalid(
        `field "${field}" must be ${2 * HEX_LENGTHS[field]} hexadecimal digits`,
        path,
        field,
      );
    }
    return bytes;
  };
  const publicKey = bytesField("public_key");
  const secretKey = bytesField("secret_key");
  const proofOfWorkStamp = bytesField("proof_of_work_stamp");
  let peerId: Uint8Array;
  const peerIdText = record.peer_id;
  if (peerIdText === undefined) {
    peerId = peerIdOfPublicKey(publicKey); // optional on read, as in Octez
  } else if (typeof peerIdText !== "string") {
    throw invalid(`field "peer_id" must be a string`, path, "peer_id");
  } else {
    try {
      peerId = peerIdFromString(peerIdText);
    } catch (error) {
      if (!isCryptoError(error)) throw error;
      throw invalid(`field "peer_id" is not a peer id: ${error.message}`, path, "peer_id", error);
    }
  }
  const identity: Identity = { peerId, publicKey, secretKey, proofOfWorkStamp };
  checkIdentity(identity, options.expectedPow, path);
  return identity;
}

/**
 * An identity from the text of `identity.json` (see {@link identityFromJsonObject} for the
 * checks).
 *
 * @param text The file contents.
 * @param options The required PoW difficulty.
 * @returns The identity.
 * @throws {CryptoError} `invalid_identity_file` when the text is not JSON, and the errors of
 * {@link identityFromJsonObject}.
 */
export function identityFromJson(text: string, options: ReadIdentityOptions = {}): Identity {
  return identityFromText(text, options);
}

function identityFromText(text: string, options: ReadIdentityOptions, path?: string): Identity {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`not JSON: ${(error as Error).message}`, path, undefined, error);
  }
  return identityFromJsonObject(value, options, path);
}

/**
 * Reads and checks an identity file.
 *
 * @param path Where the file is (Octez default: `<data dir>/identity.json`).
 * @param options The required PoW difficulty.
 * @returns The identity.
 * @throws {CryptoError} `no_identity_file` when the file does not exist, and the errors of
 * {@link identityFromJsonObject}.
 */
export async function readIdentityFile(
  path: string | URL,
  options: ReadIdentityOptions = {},
): Promise<Identity> {
  const where = String(path);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new CryptoError("no_identity_file", `cannot read the identity file ${where}`, {
        path: where,
      }, { cause: error });
    }
    throw error;
  }
  return identityFromText(text, options, where);
}

/**
 * Writes an identity file as Octez does, readable by its owner only (mode 0600; Octez leaves the
 * mode to the umask, but the file holds the secret key).
 *
 * @param path Where to write.
 * @param identity The identity (its parts are checked to agree first).
 * @param options Whether an existing file may be replaced.
 * @throws {CryptoError} `identity_file_exists` when the file exists and `overwrite` is not set;
 * `identity_mismatch` or `identity_keys_mismatch` when the identity's parts disagree.
 */
export async function writeIdentityFile(
  path: string | URL,
  identity: Identity,
  options: WriteIdentityOptions = {},
): Promise<void> {
  checkIdentity(identity);
  const overwrite = options.overwrite ?? false;
  const target = String(path instanceof URL ? path.pathname : path);
  // Atomic: the whole file goes to a temporary name beside the target, then takes its place
  // (rename when replacing; a hard link when the target must not exist yet, so that a crash or
  // a concurrent writer never leaves half an identity behind).
  const temporary = `${target}.${crypto.randomUUID()}.tmp`;
  try {
    const file = await Deno.open(temporary, { write: true, createNew: true, mode: 0o600 });
    try {
      await file.write(new TextEncoder().encode(identityToJson(identity)));
      await file.sync();
    } finally {
      file.close();
    }
    if (overwrite) await Deno.rename(temporary, target);
    else await Deno.link(temporary, target);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new CryptoError(
        "identity_file_exists",
        `refusing to overwrite the identity file ${target}`,
        { path: target },
        { cause: error },
      );
    }
    throw error;
  } finally {
    await Deno.remove(temporary).catch(() => {});
  }
}

function invalid(message: string, path?: string, field?: string, cause?: unknown): CryptoError {
  const where = path === undefined ? "" : ` (${path})`;
  return new CryptoError(
    "invalid_identity_file",
    `invalid identity file${where}: ${message}`,
    { path, field },
    cause === undefined ? undefined : { cause },
  );
}
