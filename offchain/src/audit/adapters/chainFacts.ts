import { decodeFunctionData, encodeAbiParameters, parseAbi, parseAbiItem, type Hex, type PublicClient } from "viem";

import { AuditCode, AuditError } from "../errors.ts";
import { g1Uncompressed } from "../checkEvidence.ts";
import type { ChainFacts, PayerChecks } from "../types.ts";

/** The views and events the audit reads, written from contracts/interfaces (the audit does not import Core's ABIs). */
const clearingHouseAbi = parseAbi([
  "struct CycleState { bool committed; bool finalized; uint32 debtorCount; uint32 resolvedDebtors; bytes32 root; uint256 totalNet; uint256 paidIn; uint256 covered; uint256 claimedOut; uint256 paymentDeadline; uint256 finalityDeadline; }",
  "struct NettedGuarantee { uint64 version; bytes inner; bytes payerSignature; }",
  "function getCycle(uint256 cycleId, address asset) view returns (CycleState)",
  "function vault() view returns (address)",
  "function commitCycle(uint256 cycleId, address asset, bytes32 root, uint256 totalNetDebit, uint256 totalNetCredit, uint32 debtorCount, uint32 creditorCount, bytes32 batchHash, NettedGuarantee[] v2Guarantees)",
]);
const cycleCommitted = parseAbiItem(
  "event CycleCommitted(uint256 indexed cycleId, address indexed asset, bytes32 root, uint256 totalNet, uint32 debtorCount, uint32 creditorCount, bytes32 batchHash, uint256 v2GuaranteeCount)",
);
const vaultAbi = parseAbi([
  "struct G1Point { bytes32 x_a; bytes32 x_b; bytes32 y_a; bytes32 y_b; }",
  "struct VersionConfig { G1Point key; bytes32 domain; address decoder; bool enabled; }",
  "function versionConfig(uint64 version) view returns (VersionConfig)",
  "function requestDomainSeparator() view returns (bytes32)",
]);
const erc1271Abi = parseAbi(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const ERC1271_MAGIC = "0x1626ba7e";

export interface ChainFactsOptions {
  clearingHouse: Hex;
  cycleId: bigint;
  asset: Hex;
  /** Versions whose key and domain to read (default 1 and 2). */
  versions?: number[];
  /** Where to look for the CycleCommitted event first (Core's `commitBlock`; the log itself is checked). */
  commitBlockHint?: bigint;
  /** Lower bound of the full log scan when the hint misses (default 0). */
  fromBlock?: bigint;
}

async function rpc<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const unreachable = /fetch failed|ECONNREFUSED|HTTP request failed|timed out|socket/i.test(message);
    throw new AuditError(
      unreachable ? AuditCode.UNREACHABLE : AuditCode.INVALID_INPUT,
      `${what} failed: ${message.split("\n")[0]}`,
      { what },
      cause,
    );
  }
}

/**
 * Reads the chain's side of a (cycle, asset): the ClearingHouse's cycle state, its `CycleCommitted` event (root,
 * totals, counts, batch hash), the V2 guarantees the commit transaction carried (decoded from its calldata when it
 * called `commitCycle` directly), and from the ClearingHouse's vault the payers' EIP-712 domain separator and the
 * key and domain of each version.
 */
export async function readChainFacts(client: PublicClient, o: ChainFactsOptions): Promise<ChainFacts> {
  const chainId = BigInt(await rpc("eth_chainId", () => client.getChainId()));
  const ch = o.clearingHouse;
  const vault = await rpc("ClearingHouse.vault()", () =>
    client.readContract({ address: ch, abi: clearingHouseAbi, functionName: "vault" }),
  );
  const state = await rpc("ClearingHouse.getCycle()", () =>
    client.readContract({ address: ch, abi: clearingHouseAbi, functionName: "getCycle", args: [o.cycleId, o.asset] }),
  );
  const logsIn = (fromBlock: bigint, toBlock?: bigint) =>
    rpc("CycleCommitted logs", () =>
      client.getLogs({
        address: ch,
        event: cycleCommitted,
        args: { cycleId: o.cycleId, asset: o.asset },
        fromBlock,
        toBlock,
      }),
    );
  let logs = o.commitBlockHint !== undefined ? await logsIn(o.commitBlockHint, o.commitBlockHint) : [];
  if (logs.length === 0 && state.committed) logs = await logsIn(o.fromBlock ?? 0n);
  const log = logs[0];
  let nettedV2: ChainFacts["nettedV2"];
  if (log) {
    const tx = await rpc("commit transaction", () => client.getTransaction({ hash: log.transactionHash! }));
    try {
      const call = decodeFunctionData({ abi: clearingHouseAbi, data: tx.input });
      if (call.functionName === "commitCycle") {
        nettedV2 = call.args[8].map((g) => ({
          version: Number(g.version),
          claims: encodeAbiParameters([{ type: "uint64" }, { type: "bytes" }], [g.version, g.inner]),
          payerSignature: g.payerSignature,
        }));
      }
    } catch {
      // Sent through a multisig or the AccessManager: the V2 list is checked by count only.
    }
  }
  const requestDomainSeparator = await rpc("vault.requestDomainSeparator()", () =>
    client.readContract({ address: vault, abi: vaultAbi, functionName: "requestDomainSeparator" }),
  );
  const versions: ChainFacts["versions"] = {};
  for (const v of o.versions ?? [1, 2]) {
    const config = await rpc(`vault.versionConfig(${v})`, () =>
      client.readContract({ address: vault, abi: vaultAbi, functionName: "versionConfig", args: [BigInt(v)] }),
    );
    const zero = /^0x0*$/;
    const unset = [config.key.x_a, config.key.x_b, config.key.y_a, config.key.y_b].every((w) => zero.test(w));
    versions[v] = {
      key: unset ? undefined : g1Uncompressed(config.key),
      domain: config.domain,
      enabled: config.enabled,
    };
  }
  return {
    chainId,
    clearingHouse: ch,
    vault,
    committed: state.committed,
    root: state.root,
    totalNet: state.totalNet,
    debtorCount: state.debtorCount,
    commitEvent: log && {
      creditorCount: log.args.creditorCount!,
      batchHash: log.args.batchHash!,
      v2GuaranteeCount: log.args.v2GuaranteeCount!,
      transactionHash: log.transactionHash!,
    },
    nettedV2,
    requestDomainSeparator,
    versions,
  };
}

/** Per-payer chain calls: `eth_getCode`, and ERC-1271 `isValidSignature` as the vault's SignatureChecker calls it. */
export function chainPayerChecks(client: PublicClient): PayerChecks {
  return {
    async hasCode(address) {
      const code = await rpc(`eth_getCode(${address})`, () => client.getCode({ address }));
      return code !== undefined && code !== "0x";
    },
    async isValidSignature(address, digest, signature) {
      try {
        const answer = await client.readContract({
          address,
          abi: erc1271Abi,
          functionName: "isValidSignature",
          args: [digest, signature],
        });
        return answer.toLowerCase() === ERC1271_MAGIC;
      } catch {
        return false;
      }
    },
  };
}
