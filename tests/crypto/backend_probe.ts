// Run by backends_test.ts as a child process with chosen permissions and environment: prints the
// crypto backend chosen at start-up, and a channel key computed with it (so that a backend that was
// picked but cannot compute fails the test).

import { channelKey, cryptoBackendName } from "../../lib/crypto/mod.ts";

const key = channelKey(new Uint8Array(32).fill(9), new Uint8Array(32).fill(7));
console.log(JSON.stringify({ backend: cryptoBackendName(), key: Array.from(key) }));
