/**
 * PLACEHOLDER (sdk branch): `4mica/x402/client` is built on the x402 branch (offchain/src/x402/client); its index.ts
 * replaces this file at merge. It exists only so that the package's `exports` subpath resolves here.
 */
export const X402_CLIENT_PLACEHOLDER = true;
