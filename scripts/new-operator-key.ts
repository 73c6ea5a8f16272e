/**
 * Generates a new operator BLS key pair for a key rotation (docs/operations.md, "Rotating the operator key"): writes
 * `FOURMICA_BLS_SECRET_KEY=0x...` to a new file readable by its owner only (mode 0600; an existing file is never
 * overwritten) and prints the public key, which is what governance configures. The secret is never printed.
 *
 *   node scripts/new-operator-key.ts /secure/path/operator-bls.env
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";

import { toHex } from "viem";

import { BLS12_381_R, loadBlsBackend } from "../offchain/src/protocol/bls/index.ts";

const file = process.argv[2];
if (file === undefined) {
  console.error("usage: node scripts/new-operator-key.ts <file to write the secret key to>");
  process.exit(2);
}
let scalar = 0n;
// Rejection sampling: uniform below the group order r, never zero.
while (scalar === 0n || scalar >= BLS12_381_R) scalar = BigInt(toHex(randomBytes(32)));
const secret = toHex(scalar, { size: 32 });
try {
  writeFileSync(file, `FOURMICA_BLS_SECRET_KEY=${secret}\n`, { mode: 0o600, flag: "wx" });
} catch (error) {
  console.error(`new-operator-key: cannot create ${file}: ${(error as Error).message}`);
  process.exit(1);
}
const publicKey = (await loadBlsBackend("auto")).publicKey(secret);
console.log(`Wrote the secret key to ${file} (mode 0600).`);
console.log(`Public key (FOURMICA_NEW_BLS_PUBLIC_KEY): ${publicKey}`);
