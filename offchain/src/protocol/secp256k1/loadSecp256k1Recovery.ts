import { createNativeRecovery } from "./createNativeRecovery.ts";
import { createPureRecovery } from "./createPureRecovery.ts";
import type { Secp256k1Recovery } from "./types.ts";

/**
 * The native recovery when its addon loads, else viem's (the loadBlsBackend pattern). `loadNative` replaces the
 * native loader (tests use it to exercise the fallback).
 */
export function loadSecp256k1Recovery(loadNative: () => Secp256k1Recovery = createNativeRecovery): Secp256k1Recovery {
  try {
    return loadNative();
  } catch {
    return createPureRecovery();
  }
}
