/** Constants and helpers shared by the issuance bench and the Core processes it starts. */
import { createRequire } from "node:module";

import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { creditDeposit } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { migrate } from "../../offchain/src/core/adapters/db/migrate.ts";
import { createGuaranteeRequestHasher } from "../../offchain/src/protocol/createGuaranteeRequestHasher.ts";
import type { GuaranteeRequestV1 } from "../../offchain/src/protocol/guaranteeTypes.ts";

export const CHAIN_ID = 31337n;
export const CORE4MICA: Address = "0xa15bb66138824a1c7167f5e85b957d04dd34e468";
export const ASSET: Address = "0x0000000000000000000000000000000000a55e75";
export const RECIPIENT: Address = "0x000000000000000000000000000000000000beef";
export const BLS_SK: Hex = `0x${"2a".repeat(32)}`;
export const PAYER_COUNT = 16;
export const DOMAIN_712 = { chainId: CHAIN_ID, verifyingContract: CORE4MICA };

export const payerKeys: Hex[] = Array.from(
  { length: PAYER_COUNT },
  (_, i) => `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex,
);
export const payerAddresses: Address[] = payerKeys.map((k) => privateKeyToAccount(k).address.toLowerCase() as Address);

/** Empties the issuance tables and gives every payer ample collateral. */
export async function seed(db: Database): Promise<void> {
  await migrate(db);
  await db.exec("TRUNCATE guarantee_transitions, guarantees, balances, users RESTART IDENTITY CASCADE");
  for (const p of payerAddresses) await creditDeposit(db, p, ASSET, 10n ** 30n);
}

type NativeSign = {
  ecdsaSign(message: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
};
const native = createRequire(import.meta.url)("secp256k1/bindings") as NativeSign;
const hash = createGuaranteeRequestHasher(DOMAIN_712);
const keyBytes = payerKeys.map((k) => hexToBytes(k));

let reqCounter = BigInt(Date.now()) * 1000n;

/**
 * `n` POST bodies, each a fresh V1 request signed by one of the payers. Signed with libsecp256k1 (RFC 6979, the
 * same signature viem would make) so that preparing thousands of bodies does not eat the measured run.
 */
export function signedBodies(n: number, timestamp = BigInt(Math.floor(Date.now() / 1000))): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = i % PAYER_COUNT;
    const request: GuaranteeRequestV1 = {
      version: 1,
      user: payerAddresses[p]!,
      recipient: RECIPIENT,
      reqId: ++reqCounter,
      amount: 1n,
      asset: ASSET,
      timestamp,
    };
    const { signature, recid } = native.ecdsaSign(hexToBytes(hash(request)), keyBytes[p]!);
    out.push(
      JSON.stringify({
        request: { ...request, reqId: request.reqId.toString(), amount: "1", timestamp: timestamp.toString() },
        signature: `${bytesToHex(signature)}${(27 + recid).toString(16)}`,
      }),
    );
  }
  return out;
}
