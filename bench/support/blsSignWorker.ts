/** Worker of bench/audit.bench.ts: BLS-signs a slice of messages (uncompressed G2 out), so set-up uses every core. */
import { parentPort, workerData } from "node:worker_threads";

import { SecretKey } from "@chainsafe/blst";

const { secretKey, messages } = workerData as { secretKey: Uint8Array; messages: Uint8Array[] };
const key = SecretKey.fromBytes(secretKey);
const out = Buffer.alloc(messages.length * 192);
messages.forEach((m, i) => out.set(key.sign(m).toBytes(false), i * 192));
parentPort!.postMessage(out);
