export { createNativeRecovery, Secp256k1UnavailableError } from "./createNativeRecovery.ts";
export { createPureRecovery } from "./createPureRecovery.ts";
export { loadSecp256k1Recovery } from "./loadSecp256k1Recovery.ts";
export { recoveryBit } from "./recoveryBit.ts";
export type { Secp256k1Recovery } from "./types.ts";
export {
  ecdsaSignatureRefusal,
  PayerSignatureCode,
  SECP256K1_HALF_N,
  SECP256K1_N,
  type EcdsaRefusal,
} from "./ecdsaSignatureRefusal.ts";
export { payerAccount } from "./payerAccount.ts";
