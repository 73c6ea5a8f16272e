import { createNativeBackend } from "./createNativeBackend.ts";
import { createPureBackend } from "./createPureBackend.ts";
import type { BlsBackend } from "./types.ts";

/** Which BLS backend to use: `native` (blst, required), `pure` (noble), or `auto` (native, else pure). */
export type BlsBackendPreference = "native" | "pure" | "auto";

/**
 * The BLS backend for a preference. `auto` (the default) loads blst and falls back to noble when the native addon
 * is unavailable; `native` throws BlsBackendUnavailableError instead. Both give bit-identical bytes.
 * `loadNative` replaces the native loader (tests use it to exercise the fallback).
 */
export async function loadBlsBackend(
  preference: BlsBackendPreference = "auto",
  loadNative: () => Promise<BlsBackend> = createNativeBackend,
): Promise<BlsBackend> {
  if (preference === "pure") return createPureBackend();
  if (preference === "native") return loadNative();
  try {
    return await loadNative();
  } catch {
    return createPureBackend();
  }
}
