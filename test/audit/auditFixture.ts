import { network } from "hardhat";
import {
  createWalletClient,
  custom,
  keccak256,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import type { FetchLike } from "../../offchain/src/audit/adapters/coreBatchSource.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { deadlinesOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { GuaranteeRequest, GuaranteeRequestV2 } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { stackCoreConfig } from "../utils/stackCoreConfig.ts";
import { silentLogger, wire } from "../core/fixtures.ts";
import { OPERATOR_KEY } from "../core/schedulerFixtures.ts";

export const ETH = 10n ** 18n;

/** Payer keys of the audited cycle (fixed, so failures reproduce). */
const PAYER_KEYS: Hex[] = [1, 2, 3].map((i) => keccak256(toHex(`audit payer ${i}`)));

/**
 * A real committed cycle for the audit: the production deploy on the in-process Hardhat chain, Core in process
 * (HTTP issuance, chain sync, V2 promotion, cycle scheduler). Three payers sign V1 requests to two recipients (and
 * one pays another payer), plus, with `v2`, one V2 request validated by the ERC-8004 registry and netted through the
 * commit. `commit: "core"` lets Core's scheduler commit at the resolution cutoff; `commit: { root }` has the
 * operator commit the (cycle, asset) itself first with that root and otherwise honest values (Core then confirms it).
 */
export async function auditFixture(db: Database, options: { v2?: boolean; otherRoot?: Hex } = {}) {
  const connection = await network.create();
  const { viem, networkHelpers, provider } = connection;
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [, recipientA, recipientB, validator] = await viem.getWalletClients();
  const operator = privateKeyToAccount(OPERATOR_KEY);
  const bls = await loadBlsBackend("auto");
  const startBlock = await publicClient.getBlockNumber();
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator.address,
  });
  const chainId = BigInt(stack.chainId);
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  const clearingHouse = stack.clearingHouse.toLowerCase() as Address;
  const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
  const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);
  const { result: agentId } = await identity.simulate.register({ account: recipientA!.account.address });
  await identity.write.register({ account: recipientA!.account });

  const s = stack.cycleSchedule;
  let clock = (await publicClient.getBlock()).timestamp;
  const core: Core = await createCore(stackCoreConfig(stack, startBlock), {
    db,
    logger: silentLogger,
    now: () => clock,
    chainClient: publicClient,
    walletClient: createWalletClient({ account: operator, chain: hardhat, transport: custom(provider) }),
  });
  const jobs = core.startBackground({ scheduler: false });
  const now = async () => (clock = (await publicClient.getBlock()).timestamp);
  const payers = PAYER_KEYS.map((k) => privateKeyToAccount(k));
  const [pa, pb, pc] = payers as [(typeof payers)[0], (typeof payers)[0], (typeof payers)[0]];
  for (const p of payers) {
    await publicClient.waitForTransactionReceipt({
      hash: await vault.write.depositFor([p.address, zeroAddress, 100n * ETH], { value: 100n * ETH }),
    });
  }
  await now();
  await jobs.runOnce();

  /** Payer signatures by guarantee id: what the payers signed (and what a complete batch page would publish). */
  const payerSignatures = new Map<Hex, Hex>();
  const issued: { guaranteeId: Hex; user: Address; recipient: Address; amount: bigint; version: number }[] = [];
  async function issue(request: GuaranteeRequest, payer: (typeof payers)[0]) {
    const signature = await signGuaranteeRequest(payer, request, { chainId, verifyingContract: vault.address });
    const res = await core.app.inject({ method: "POST", url: "/core/guarantees", payload: wire(request, signature) });
    if (res.statusCode !== 201) throw new Error(`issuance failed: ${res.body}`);
    const { guaranteeId } = res.json() as { guaranteeId: Hex };
    payerSignatures.set(guaranteeId.toLowerCase() as Hex, signature);
    issued.push({
      guaranteeId,
      user: request.user,
      recipient: request.recipient,
      amount: request.amount,
      version: request.version,
    });
    return guaranteeId;
  }
  const t0 = await now();
  const v1 = (payer: (typeof payers)[0], recipient: Address, reqId: bigint, amount: bigint): GuaranteeRequest => ({
    version: 1,
    user: payer.address,
    recipient,
    reqId,
    amount,
    asset: zeroAddress,
    timestamp: t0,
  });
  const ra = recipientA!.account.address;
  const rb = recipientB!.account.address;
  await core.scheduler!.tick(t0);
  await issue(v1(pa, ra, 1n, 3n * ETH), pa);
  await issue(v1(pa, rb, 2n, 1n * ETH), pa);
  await issue(v1(pb, ra, 3n, 2n * ETH), pb);
  await issue(v1(pc, rb, 4n, 4n * ETH), pc);
  await issue(v1(pb, pa.address, 5n, 1n * ETH), pb);
  if (options.v2) {
    const base = { user: pc.address, recipient: ra, reqId: 6n, amount: 2n * ETH, asset: zeroAddress, timestamp: t0 };
    const policy = buildValidationPolicy(base, {
      validationRegistry: registry.address,
      validationChainId: chainId,
      validatorAddress: validator!.account.address,
      validatorAgentId: agentId,
      minValidationScore: 80,
      jobHash: keccak256(toHex("audited job")),
      requiredValidationTag: "quality",
    });
    const request: GuaranteeRequestV2 = { ...base, version: 2, policy };
    await issue(request, pc);
    await registry.write.validationRequest(
      [validator!.account.address, agentId, "ipfs://job", policy.validationRequestHash],
      {
        account: recipientA!.account,
      },
    );
    await registry.write.validationResponse(
      [policy.validationRequestHash, 90, "ipfs://verdict", `0x${"00".repeat(32)}`, "quality"],
      { account: validator!.account },
    );
  }
  await now();
  await jobs.runOnce();
  const segments = await core.scheduler!.schedule();
  const cycleId = (t0 - BigInt(s.genesis)) / BigInt(s.cycleLength);
  const d = deadlinesOf(segments, cycleId);
  await networkHelpers.time.increaseTo(d.resolutionCutoff);
  if (options.otherRoot) await commitAsOperator(options.otherRoot);
  for (let i = 0; i < 3; i++) {
    await core.scheduler!.tick(await now());
    await jobs.runOnce();
  }

  /** The operator commits the cycle itself: the honest batch hash, totals and counts, and `root`. */
  async function commitAsOperator(root: Hex) {
    const { batchHash, computePositions, sortBatchEntries } =
      await import("../../offchain/src/protocol/netting/index.ts");
    const entries = sortBatchEntries(issued.map((g) => ({ ...g, guaranteeId: g.guaranteeId.toLowerCase() as Hex })));
    const positions = computePositions(entries);
    const debit = positions.filter((p) => p.role === 0).reduce((a, p) => a + p.amount, 0n);
    const ch = await viem.getContractAt("ClearingHouse", clearingHouse, {
      client: { wallet: createWalletClient({ account: operator, chain: hardhat, transport: custom(provider) }) },
    });
    const hash = await ch.write.commitCycle([
      cycleId,
      zeroAddress,
      root,
      debit,
      debit,
      positions.filter((p) => p.role === 0).length,
      positions.filter((p) => p.role === 1).length,
      batchHash({ chainId, clearingHouse, cycleId, asset: zeroAddress }, entries),
      [],
    ]);
    await publicClient.waitForTransactionReceipt({ hash });
  }

  /** Core's API in process, as the audit's HTTP client sees it. */
  const coreFetch: FetchLike = async (url) => {
    const res = await core.app.inject({ method: "GET", url: new URL(url).pathname + new URL(url).search });
    return { status: res.statusCode, json: async () => res.json() };
  };

  return {
    core,
    provider,
    publicClient,
    chainId,
    clearingHouse,
    vault: vault.address.toLowerCase() as Address,
    cycleId,
    issued,
    payerSignatures,
    coreFetch,
    async close() {
      await core.close();
    },
  };
}
