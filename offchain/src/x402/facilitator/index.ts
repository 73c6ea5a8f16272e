/**
 * PLACEHOLDER (sdk branch): `4mica/x402/facilitator` is built on the x402 branch (offchain/src/x402/facilitator); its index.ts
 * replaces this file at merge. It exists only so that the package's `exports` subpath resolves here.
 */
export const X402_FACILITATOR_PLACEHOLDER = true;
