/**
 * The crypto seam: the operations a connection and a proof of work need (the channel key, the
 * detached XSalsa20-Poly1305 box, BLAKE2b-256), with one backend chosen once when this module is
 * first imported, fastest first:
 *
 * 1. `native`: libsodium through `sodium-native`, when it can load: in Deno, only when `ffi` and
 *    `read` are both already granted (checked with `Deno.permissions.querySync`, which never
 *    prompts; no import is attempted otherwise, so a missing permission costs neither a prompt nor
 *    a warning). It comes with WebAssembly libsodium, which serves boxes under 768 bytes and
 *    BLAKE2b faster than a Node-API call can;
 * 2. `wasm`: libsodium compiled to WebAssembly (`libsodium-wrappers`), no permission;
 * 3. `tweetnacl`: pure JavaScript, the reference the others are tested against.
 *
 * `TZP2P_CRYPTO=native|wasm|tweetnacl` in the environment (read only when the `env` permission for
 * it is granted) forces a backend; a forced backend that cannot load, or an unknown name, falls back
 * to the order above silently (one line per test module would be a warning storm):
 * {@link cryptoBackendName} tells which one runs. {@link setCryptoBackend} switches at run time.
 *
 * WebCrypto X25519 is not a backend: `crypto.subtle.deriveBits` is asynchronous, and measured in the
 * same run it is slower than WebAssembly libsodium's `crypto_box_beforenm` (5,200/s against 7,400/s,
 * 2 cores, Deno 2.9.6, `bench/crypto_bench.ts`), so it would win nowhere.
 *
 * Cost of the top-level await (2-core machine, `performance.now()` around each step): importing
 * and initialising `libsodium-wrappers` 75–150 ms, plus importing `sodium-native` 45–55 ms when
 * native is allowed.
 *
 * @module
 */

import { CryptoError } from "./errors.ts";
import { tweetnaclBackend } from "./backend_tweetnacl.ts";
import {
  CRYPTO_BACKEND_NAMES,
  type CryptoBackend,
  type CryptoBackendName,
} from "./backend_contract.ts";
import type { PowTargetWords } from "./pow_hash.ts";

export {
  CRYPTO_BACKEND_NAMES,
  type CryptoBackend,
  type CryptoBackendName,
} from "./backend_contract.ts";

/** A proof-of-work stamp search: `PowHasher` (`pow_hash.ts`) or `WasmPowHasher` (`pow_wasm.ts`). */
export interface PowSearcher {
  /** The current stamp (a copy); the solution after a successful {@link search}. */
  readonly stamp: Uint8Array;
  /** Stamps tried so far. */
  readonly attempts: number;
  /** Tries up to `maxAttempts` stamps from the current one; `true` when one meets `target`. */
  search(target: PowTargetWords, maxAttempts: number): boolean;
  /** Releases what the searcher holds outside the JavaScript heap, if anything. */
  free?(): void;
}

/** How a proof-of-work search hashes: `js` is `PowHasher`, `wasm` is `WasmPowHasher`. */
export type PowHasherKind = "js" | "wasm";

interface DenoPermissions {
  permissions: { querySync(descriptor: { name: string; variable?: string }): { state: string } };
  env: { get(name: string): string | undefined };
}

const deno = (globalThis as { Deno?: DenoPermissions }).Deno;

function granted(name: string, variable?: string): boolean {
  if (deno === undefined) return true; // Node, Bun: no permission system in the way
  try {
    return deno.permissions.querySync({ name, variable }).state === "granted";
  } catch {
    return false;
  }
}

/** The name in `TZP2P_CRYPTO`, when readable without a prompt and a backend's name. */
function forcedName(): CryptoBackendName | undefined {
  let value: string | undefined;
  if (deno !== undefined) {
    if (granted("env", "TZP2P_CRYPTO")) value = deno.env.get("TZP2P_CRYPTO");
  } else {
    value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env?.TZP2P_CRYPTO;
  }
  return CRYPTO_BACKEND_NAMES.find((name) => name === value);
}

let wasmPowHasher:
  | (new (publicKey: Uint8Array, stamp?: Uint8Array) => PowSearcher)
  | undefined;

const loaded = new Map<CryptoBackendName, CryptoBackend>([["tweetnacl", tweetnaclBackend]]);

/**
 * Loads a backend (once; later calls return the same object).
 *
 * @param name The backend.
 * @returns The backend.
 * @throws {CryptoError} `backend_unavailable` when it cannot load here (for `native` in Deno:
 * `--allow-ffi` or `--allow-read` missing, checked without prompting).
 */
export async function loadCryptoBackend(name: CryptoBackendName): Promise<CryptoBackend> {
  const known = loaded.get(name);
  if (known !== undefined) return known;
  let backend: CryptoBackend;
  try {
    if (name === "native") {
      if (!granted("ffi") || !granted("read")) {
        throw new Error("the native backend needs --allow-ffi and --allow-read");
      }
      // Loaded with WebAssembly libsodium, which is faster below about 768 bytes (backend_native.ts).
      const [native, small] = await Promise.all([
        import("./backend_native.ts"),
        loadCryptoBackend("wasm"),
      ]);
      backend = native.withSmallInputsOn(small);
    } else {
      const [wasm, pow] = await Promise.all([
        import("./backend_wasm.ts"),
        import("./pow_wasm.ts"),
      ]);
      backend = wasm.wasmBackend;
      wasmPowHasher = pow.WasmPowHasher;
    }
  } catch (error) {
    throw new CryptoError(
      "backend_unavailable",
      `crypto backend ${name} cannot load: ${error instanceof Error ? error.message : error}`,
      { expected: name },
      { cause: error },
    );
  }
  loaded.set(name, backend);
  return backend;
}

async function firstAvailable(names: readonly CryptoBackendName[]): Promise<CryptoBackend> {
  for (const name of names) {
    try {
      return await loadCryptoBackend(name);
    } catch {
      // next one; tweetnacl is always there
    }
  }
  return tweetnaclBackend;
}

const forced = forcedName();
let current: CryptoBackend = await firstAvailable(
  forced === undefined ? CRYPTO_BACKEND_NAMES : [forced, ...CRYPTO_BACKEND_NAMES],
);

/**
 * The backend in use.
 *
 * @returns The backend object the box and proof-of-work functions call.
 */
export function cryptoBackend(): CryptoBackend {
  return current;
}

/**
 * How proof-of-work searches hash with the backend in use. Measured per core
 * (`bench/pow_bench.ts`): WebAssembly libsodium's BLAKE2b called raw beats the specialised
 * JavaScript loop, which beats `sodium-native` (a Node-API call per 56-byte hash), so both libsodium
 * backends search with `wasm`, and `tweetnacl` (pure JavaScript) with `js`.
 *
 * @returns The hasher for worker searches (a worker loads WebAssembly libsodium itself).
 */
export function powHasherKind(): PowHasherKind {
  return current.name === "tweetnacl" ? "js" : "wasm";
}

/**
 * A stamp search on this thread: `WasmPowHasher` when the backend is not `tweetnacl` (both
 * libsodium backends load WebAssembly libsodium), else `PowHasher`.
 *
 * @param publicKey 32-byte public key.
 * @param stamp The first stamp.
 * @param fallback The JavaScript searcher's constructor (`PowHasher`, passed in to keep this module
 * free of `pow_hash.ts` at run time).
 * @returns A searcher; call its `free` when done.
 */
export function createPowSearcher(
  publicKey: Uint8Array,
  stamp: Uint8Array,
  fallback: new (publicKey: Uint8Array, stamp?: Uint8Array) => PowSearcher,
): PowSearcher {
  if (current.name !== "tweetnacl" && wasmPowHasher !== undefined) {
    return new wasmPowHasher(publicKey, stamp);
  }
  return new fallback(publicKey, stamp);
}

/**
 * The name of the crypto backend in use: the fastest that loaded at start-up (or the one forced by
 * `TZP2P_CRYPTO`), unless {@link setCryptoBackend} changed it.
 *
 * @returns `"native"`, `"wasm"` or `"tweetnacl"`.
 */
export function cryptoBackendName(): CryptoBackendName {
  return current.name;
}

/**
 * Switches every channel key, box and proof-of-work check to one backend. All backends give the
 * same bytes; they differ in speed (see `BENCHMARKS.md`, "Crypto backends").
 *
 * ```ts
 * import { cryptoBackendName, setCryptoBackend } from "./mod.ts";
 * await setCryptoBackend("tweetnacl");
 * console.log(cryptoBackendName()); // "tweetnacl"
 * ```
 *
 * @param name `"native"` (needs `--allow-ffi` and `--allow-read` in Deno), `"wasm"` or
 * `"tweetnacl"`.
 * @returns The name now in use.
 * @throws {CryptoError} `backend_unavailable` when that backend cannot load; the previous one stays.
 */
export async function setCryptoBackend(name: CryptoBackendName): Promise<CryptoBackendName> {
  if (!CRYPTO_BACKEND_NAMES.includes(name)) {
    throw new CryptoError("backend_unavailable", `unknown crypto backend ${name}`, {
      actual: String(name),
    });
  }
  current = await loadCryptoBackend(name);
  return current.name;
}
