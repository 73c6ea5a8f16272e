import { network } from "hardhat";
import { zeroAddress, type Address, type PublicClient } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { createPureBackend } from "../../offchain/src/protocol/bls/createPureBackend.ts";
import { g1ToEip2537 } from "../../offchain/src/protocol/bls/g1ToEip2537.ts";
import { syncChain, type SyncResult } from "../../offchain/src/core/adapters/chain/syncChain.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { BLS_SK, CHAIN_ID, payer, resetDatabase, wire } from "./fixtures.ts";

/** Empties the tables the shared reset does not know about yet (migration 002), then the shared ones. */
export async function resetSyncDatabase(db: Database): Promise<void> {
  await resetDatabase(db);
  await db.exec("TRUNCATE chain_blocks");
}

/**
 * A fresh in-process chain with the real vault (Core4Mica under an AccessManager) and, for V2, the ERC-8004 mock
 * registries. Account 1 is the fixtures' `payer`, account 2 the `recipient`.
 */
export async function deployVaultFixture() {
  const connection = await network.create();
  const { viem, provider, networkHelpers } = connection;
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [admin, payerWallet, recipientWallet, validatorWallet] = await viem.getWalletClients();
  const manager = await viem.deployContract("@openzeppelin/contracts/access/manager/AccessManager.sol:AccessManager", [
    admin!.account.address,
  ]);
  const key = g1ToEip2537(createPureBackend().publicKey(BLS_SK));
  const vault = await viem.deployContract("Core4Mica", [manager.address, key, []]);
  const startBlock = await publicClient.getBlockNumber();
  return {
    connection,
    viem,
    provider,
    networkHelpers,
    publicClient,
    admin: admin!,
    payerWallet: payerWallet!,
    recipientWallet: recipientWallet!,
    validatorWallet: validatorWallet!,
    vault,
    startBlock,
    async depositEth(amount: bigint) {
      await vault.write.deposit!([zeroAddress, amount], { value: amount, account: payerWallet!.account });
    },
    async mine(blocks: number) {
      await networkHelpers.mine(blocks);
    },
    async snapshot(): Promise<string> {
      return (await provider.request({ method: "evm_snapshot", params: [] })) as string;
    },
    async revert(id: string): Promise<void> {
      await provider.request({ method: "evm_revert", params: [id] });
    },
    sync(db: Database, confirmations = 0n, extra: { chunkSize?: bigint; clearingHouse?: Address } = {}) {
      return syncChain({
        client: publicClient,
        db,
        chainId: 31337n,
        core4Mica: vault.address,
        startBlock,
        confirmations,
        ...extra,
      }) as Promise<SyncResult>;
    },
  };
}

export async function balanceOf(db: Database, user: Address, asset: Address = zeroAddress) {
  const { rows } = await db.query<{ deposited: string; locked: string; pending_withdrawal: string }>(
    `SELECT deposited, locked, pending_withdrawal FROM balances WHERE user_address = $1 AND asset = $2`,
    [user.toLowerCase(), asset.toLowerCase()],
  );
  const r = rows[0];
  return r
    ? { deposited: BigInt(r.deposited), locked: BigInt(r.locked), pending: BigInt(r.pending_withdrawal) }
    : { deposited: 0n, locked: 0n, pending: 0n };
}

/** The JSON body of a request signed by `account` for the vault at `core4Mica` (not the fixtures' constant). */
export async function signedBodyFor(
  request: GuaranteeRequest,
  core4Mica: Address,
  account: PrivateKeyAccount = payer,
): Promise<Record<string, unknown>> {
  return wire(
    request,
    await signGuaranteeRequest(account, request, { chainId: CHAIN_ID, verifyingContract: core4Mica }),
  );
}
