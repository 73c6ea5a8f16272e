/**
 * A worker thread of Core's BLS signing pool (signingPool.ts): it loads the BLS backend Core chose, parses the
 * secret key once from workerData, and signs one certificate envelope per task. Nothing but the signature leaves.
 */
import { workerData } from "node:worker_threads";

import { loadBlsBackend, type BlsBackendPreference } from "../../../protocol/bls/index.ts";
import type { BlsSignatureForms } from "../../../protocol/bls/types.ts";
import type { Hex } from "viem";

const { secretKey, backend } = workerData as { secretKey: Hex; backend: BlsBackendPreference };
// A bad key or a backend that does not load is answered to every task (the pool's start-up probe first) instead of
// thrown while the module loads, which would crash the thread outside any task and surface as an uncaught error.
let signer: { sign(message: Hex): BlsSignatureForms } | undefined;
let failure: unknown;
try {
  signer = (await loadBlsBackend(backend)).signer(secretKey);
} catch (e) {
  failure = e;
}

/** Piscina's task entry point: the signature of one envelope, or of each of several, in both forms. */
export default function sign(message: Hex | Hex[]): BlsSignatureForms | BlsSignatureForms[] {
  if (!signer) throw failure;
  const s = signer;
  return Array.isArray(message) ? message.map((m) => s.sign(m)) : s.sign(message);
}
