import {
  encodeFunctionData,
  keccak256,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";

import type { ScheduleSegment } from "../../../protocol/cycles/cycleSchedule.ts";
import type { ClearingHouseGateway, SentTransaction } from "../../services/scheduler/clearingHouseGateway.ts";
import { clearingHouseAbi, vaultSettlementAbi } from "./clearingHouseAbi.ts";

export interface ViemGatewayOptions {
  publicClient: PublicClient;
  /** The operator's wallet: a local account (private key), so the transaction hash is known before broadcast. */
  walletClient: WalletClient<Transport, Chain, Account>;
  clearingHouse: Address;
  /** The vault; read from the ClearingHouse when absent. */
  vault?: Address;
  /** Receipt wait per transaction, in ms (default 120 s). */
  receiptTimeoutMs?: number;
}

/** `ClearingHouse.scheduleSegments()`, oldest first (read-only: GET /core/cycles without an operator key). */
export async function readScheduleSegments(
  publicClient: PublicClient,
  clearingHouse: Address,
): Promise<ScheduleSegment[]> {
  const segments = await publicClient.readContract({
    address: clearingHouse,
    abi: clearingHouseAbi,
    functionName: "scheduleSegments",
  });
  return segments.map((s) => ({
    startTime: BigInt(s.startTime),
    firstCycleId: BigInt(s.firstCycleId),
    cycleLength: BigInt(s.cycleLength),
    resolutionCutoff: BigInt(s.resolutionCutoff),
    commitDelay: BigInt(s.commitDelay),
    paymentWindow: BigInt(s.paymentWindow),
    finalityWindow: BigInt(s.finalityWindow),
  }));
}

/** The scheduler's chain port over viem clients. */
export function createViemClearingHouseGateway(o: ViemGatewayOptions): ClearingHouseGateway {
  const { publicClient, walletClient } = o;
  const address = o.clearingHouse;
  let vault = o.vault;
  let domainSeparator: Hex | undefined;

  async function vaultAddress(): Promise<Address> {
    vault ??= await publicClient.readContract({ address, abi: clearingHouseAbi, functionName: "vault" });
    return vault;
  }

  function toSent(r: { transactionHash: Hex; blockNumber: bigint; status: "success" | "reverted" }): SentTransaction {
    return { hash: r.transactionHash, blockNumber: r.blockNumber, status: r.status };
  }

  return {
    async latestTimestamp() {
      return (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
    },
    scheduleSegments() {
      return readScheduleSegments(publicClient, address);
    },
    async getCycle(cycleId, asset) {
      const c = await publicClient.readContract({
        address,
        abi: clearingHouseAbi,
        functionName: "getCycle",
        args: [cycleId, asset],
      });
      return {
        committed: c.committed,
        finalized: c.finalized,
        debtorCount: c.debtorCount,
        resolvedDebtors: c.resolvedDebtors,
        root: c.root,
        totalNet: c.totalNet,
        paidIn: c.paidIn,
        covered: c.covered,
        claimedOut: c.claimedOut,
      };
    },
    async getParticipant(cycleId, asset, participant) {
      const p = await publicClient.readContract({
        address,
        abi: clearingHouseAbi,
        functionName: "getParticipant",
        args: [cycleId, asset, participant],
      });
      return { paid: p.paid, defaulted: p.defaulted, claimed: p.claimed };
    },
    async consumed(ids) {
      const v = await vaultAddress();
      const out = new Set<Hex>();
      const CHUNK = 64;
      for (let i = 0; i < ids.length; i += CHUNK) {
        const slice = ids.slice(i, i + CHUNK);
        const flags = await Promise.all(
          slice.map((id) =>
            publicClient.readContract({ address: v, abi: vaultSettlementAbi, functionName: "isConsumed", args: [id] }),
          ),
        );
        slice.forEach((id, k) => flags[k] && out.add(id));
      }
      return out;
    },
    sender() {
      return walletClient.account.address;
    },
    async requestDomainSeparator() {
      domainSeparator ??= await publicClient.readContract({
        address: await vaultAddress(),
        abi: vaultSettlementAbi,
        functionName: "requestDomainSeparator",
      });
      return domainSeparator;
    },
    async signedRequestCursor(cycleId, asset, debtor, prover) {
      const [lastId, v1Total] = await publicClient.readContract({
        address,
        abi: clearingHouseAbi,
        functionName: "signedRequestCursor",
        args: [cycleId, asset, debtor, prover],
      });
      const provenSigned = await publicClient.readContract({
        address,
        abi: clearingHouseAbi,
        functionName: "provenSignedAmount",
        args: [cycleId, asset, debtor, prover],
      });
      return { lastId, v1Total, provenSigned };
    },
    async send(write, beforeBroadcast) {
      const account = walletClient.account;
      const data = encodeFunctionData({ abi: clearingHouseAbi, ...write } as Parameters<typeof encodeFunctionData>[0]);
      // Simulate first: a call that would revert throws here with the decoded error, before any gas is spent.
      await publicClient.call({ account, to: address, data });
      const request = await walletClient.prepareTransactionRequest({
        account,
        chain: walletClient.chain,
        to: address,
        data,
      });
      const serializedTransaction = await walletClient.signTransaction(
        request as Parameters<typeof walletClient.signTransaction>[0],
      );
      const hash = keccak256(serializedTransaction);
      if (beforeBroadcast) await beforeBroadcast(hash);
      await walletClient.sendRawTransaction({ serializedTransaction });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: o.receiptTimeoutMs ?? 120_000 });
      return toSent(receipt);
    },
    async pending(hash) {
      try {
        const tx = await publicClient.getTransaction({ hash });
        return tx.blockNumber === null;
      } catch (e) {
        if (e instanceof TransactionNotFoundError) return false;
        throw e;
      }
    },
    async receipt(hash) {
      try {
        return toSent(await publicClient.getTransactionReceipt({ hash }));
      } catch (e) {
        if (e instanceof TransactionReceiptNotFoundError) return undefined;
        throw e;
      }
    },
  };
}
