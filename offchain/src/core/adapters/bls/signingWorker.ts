/**
 * A worker thread of Core's BLS signing pool (signingPool.ts): it loads the BLS backend Core chose, parses the
 * secret key once from workerData, and signs one certificate envelope per task. Nothing but the signature leaves.
 */
import { workerData } from "node:worker_threads";

import { loadBlsBackend, type BlsBackendPreference } from "../../../protocol/bls/index.ts";
import type { BlsSignatureForms } from "../../../protocol/bls/types.ts";
import type { Hex } from "viem";

const { secretKey, backend } = workerData as { secretKey: Hex; backend: BlsBackendPreference };
const signer = (await loadBlsBackend(backend)).signer(secretKey);

/** Piscina's task entry point: the signature of one envelope, in both forms. */
export default function sign(message: Hex): BlsSignatureForms {
  return signer.sign(message);
}
