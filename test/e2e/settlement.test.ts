import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { pino } from "pino";
import {
  createWalletClient,
  custom,
  decodeFunctionData,
  keccak256,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat as hardhatChain } from "viem/chains";

import { clearingHouseAbi } from "../../offchain/src/core/adapters/chain/clearingHouseAbi.ts";
import { loadConfig } from "../../offchain/src/core/config.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { netDebitSettlementTypedData } from "../../offchain/src/protocol/netDebitSettlement.ts";
import {
  authorizeNetDebitSettlement,
  createCoreClient,
  createGuaranteeRequest,
  deposit,
  finalizeWithdrawal,
  getCollateral,
  requestWithdrawal,
  signPaymentRequest,
} from "../../offchain/src/sdk/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";

const OPERATOR_KEY: Hex = keccak256(toHex("4mica settlement e2e operator"));
const COLLATERAL = 1_000n;

/**
 * Settling net debits from collateral on the real contracts (embedded Hardhat chain) with Core in process: three
 * debtors authorize through the SDK (one EIP-712 signature each, no transaction), Core's scheduler settles them in
 * one `settleNetDebitsFromCollateral`; one debtor's collateral was withdrawn meanwhile, so the batch skips it, it
 * stays UNPAID in Core and the scheduler marks it defaulted after the payment deadline; the creditors are then paid
 * pro rata in one `claimNetCredits`. Books (Core's deposited vs the vault's collateral), positions and the
 * authorizations are checked after each step, and a replayed POST changes nothing.
 */
describe("Settlement from collateral end to end (SDK, Core's scheduler, real contracts)", function () {
  this.timeout(300_000);

  let dataDir: string;
  let core: Core;

  after(async function () {
    await core?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("settles authorized debtors in one batch, skips the one whose collateral left, defaults it, pays creditors in one batch", async function () {
    const { viem, networkHelpers, provider } = await network.create();
    const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
    const operator = privateKeyToAccount(OPERATOR_KEY);
    await networkHelpers.setBalance(operator.address, 10n ** 20n);
    const bls = await loadBlsBackend("auto");
    const stack = await deployStack(viem, {
      blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
      operator: operator.address,
    });
    const asset = stack.tokens[0]!.address.toLowerCase() as Address;
    const token = await viem.getContractAt("MockERC20", asset);
    const transport = custom(provider);
    const vault = stack.core4Mica;
    const clearingHouse = stack.clearingHouse;

    const accounts = Array.from({ length: 5 }, () => privateKeyToAccount(generatePrivateKey()));
    for (const a of accounts) await networkHelpers.setBalance(a.address, 10n ** 21n);
    const wallets = accounts.map((account) => createWalletClient({ account, chain: hardhatChain, transport }));
    const [d1, d2, d3, r1, r2] = wallets as [
      (typeof wallets)[0],
      (typeof wallets)[0],
      (typeof wallets)[0],
      (typeof wallets)[0],
      (typeof wallets)[0],
    ];
    const debtors = [d1, d2, d3];

    let chainNow = BigInt(await networkHelpers.time.latest());
    const advanceTo = async (t: bigint) => {
      if (t > chainNow) await networkHelpers.time.increaseTo(t);
      chainNow = BigInt(await networkHelpers.time.latest());
    };

    dataDir = mkdtempSync(join(tmpdir(), "4mica-settlement-e2e-"));
    const deploymentsFile = join(dataDir, "deployment.json");
    writeFileSync(deploymentsFile, JSON.stringify({ network: "settlement-e2e", ...stack }, null, 2));
    const config = loadConfig({
      FOURMICA_DEPLOYMENTS_FILE: deploymentsFile,
      FOURMICA_BLS_SECRET_KEY: DEV_BLS_SECRET_KEY,
      FOURMICA_OPERATOR_KEY: OPERATOR_KEY,
      FOURMICA_ACCEPTED_VERSIONS: "1",
      FOURMICA_DATA_DIR: "memory",
      FOURMICA_CONFIRMATIONS: "0",
      // The test drives the follower (runOnce) so that it controls what Core has seen when.
      FOURMICA_SYNC_INTERVAL_MS: "3600000",
      FOURMICA_LOG_LEVEL: "silent",
    });
    expect(config.autoClaim).to.equal(true);
    core = await createCore(config, {
      chainClient: publicClient,
      transport,
      walletClient: createWalletClient({ account: operator, chain: hardhatChain, transport }),
      now: () => chainNow,
      logger: pino({ level: "silent" }),
    });
    const url = await core.listen(0, "127.0.0.1");
    const background = core.startBackground({ scheduler: false });
    const coreClient = createCoreClient({ url });
    const startBlock = await publicClient.getBlockNumber();
    const tick = async () => (await core.scheduler!.scheduler.tick(chainNow)).actions.map((a) => a.kind);

    /** Core's deposited collateral of `who` (balances.deposited) and the vault's, which must agree once synced. */
    const books = async (who: Address) => {
      const { rows } = await core.db.query<{ deposited: string }>(
        "SELECT deposited::text FROM balances WHERE user_address = $1 AND asset = $2",
        [who.toLowerCase(), asset],
      );
      return {
        core: BigInt(rows[0]?.deposited ?? "0"),
        vault: await getCollateral(publicClient, { vault, user: who, asset }),
      };
    };
    const expectBooksAgree = async () => {
      for (const w of debtors) {
        const b = await books(w.account.address);
        expect(b.core, `Core's books of ${w.account.address}`).to.equal(b.vault);
      }
    };

    // Collateral: each debtor deposits COLLATERAL; Core follows.
    for (const w of debtors) {
      await token.write.mint([w.account.address, COLLATERAL]);
      await deposit(w, { vault, asset, amount: COLLATERAL });
    }
    await background.runOnce();
    await expectBooksAgree();

    // d3 asks to withdraw everything before Core sees it (Core is not synced until the cycle is committed), so
    // Core certifies against the whole collateral, as the synchronization rule allows.
    await requestWithdrawal(d3, { vault, asset, amount: COLLATERAL });
    const readyAt = chainNow + BigInt(stack.timings.withdrawalDelay);

    // The cycle that holds `readyAt`: its payment window opens after the withdrawal becomes finalizable.
    const clearing = await viem.getContractAt("ClearingHouse", clearingHouse);
    const cycleId = await clearing.read.cycleOf([readyAt]);
    const d = await clearing.read.cycleDeadlines([cycleId]);
    const start = BigInt(stack.cycleSchedule.genesis) + cycleId * BigInt(stack.cycleSchedule.cycleLength);
    await advanceTo(start + 60n);

    // Guarantees: d1 -> r1 300; d2 -> r1 200, d2 -> r2 100; d3 -> r2 400. Net: d1 300, d2 300, d3 400 owed;
    // r1 and r2 are owed 500 each.
    const domain = { chainId: stack.chainId, verifyingContract: vault };
    for (const [payer, recipient, amount] of [
      [d1, r1, 300n],
      [d2, r1, 200n],
      [d2, r2, 100n],
      [d3, r2, 400n],
    ] as const) {
      const request = createGuaranteeRequest({
        user: payer.account.address,
        recipient: recipient.account.address,
        amount,
        asset,
        timestamp: chainNow,
      });
      const { signature } = await signPaymentRequest(payer, { request, domain });
      await coreClient.issue(request, signature);
    }

    // Close, net and commit at the resolution cutoff; then Core follows the chain (the withdrawal request too).
    await advanceTo(BigInt(d.resolutionCutoff));
    expect(await tick()).to.include.members(["CLOSE", "NET", "COMMIT"]);
    await background.runOnce();
    expect((await coreClient.cycle(cycleId, asset)).status).to.equal("COMMITTED");

    // Each debtor authorizes through the SDK: one signature, no transaction.
    const nonceBefore = await Promise.all(
      debtors.map((w) => publicClient.getTransactionCount({ address: w.account.address })),
    );
    const authorized = [];
    for (const w of debtors)
      authorized.push(await authorizeNetDebitSettlement(w, { core: coreClient, cycleId, asset }));
    expect(authorized.map((a) => [a.amount, a.status])).to.deep.equal([
      [300n, "PENDING"],
      [300n, "PENDING"],
      [400n, "PENDING"],
    ]);
    const nonceAfter = await Promise.all(
      debtors.map((w) => publicClient.getTransactionCount({ address: w.account.address })),
    );
    expect(nonceAfter).to.deep.equal(nonceBefore);

    // Meanwhile d3 finalizes its withdrawal: its collateral is gone.
    await advanceTo(readyAt);
    await finalizeWithdrawal(d3, { vault, asset });
    expect(await getCollateral(publicClient, { vault, user: d3.account.address, asset })).to.equal(0n);

    // The scheduler sends the three in one batch; the vault settles d1 and d2 and skips d3.
    expect(await tick()).to.deep.equal(["SETTLE_FROM_COLLATERAL"]);
    await background.runOnce();
    const byDebtor = async () =>
      Object.fromEntries(
        (await coreClient.settlements(cycleId, asset)).map((s) => [s.debtor.toLowerCase(), s.status]),
      ) as Record<string, string>;
    expect(await byDebtor()).to.deep.equal({
      [d1.account.address.toLowerCase()]: "SETTLED",
      [d2.account.address.toLowerCase()]: "SETTLED",
      [d3.account.address.toLowerCase()]: "SKIPPED",
    });
    const positionStatus = async (w: (typeof wallets)[0]) => {
      const { rows } = await core.db.query<{ status: string }>(
        "SELECT status FROM positions WHERE cycle_id = $1 AND asset = $2 AND participant = $3",
        [cycleId.toString(), asset, w.account.address.toLowerCase()],
      );
      return rows[0]?.status;
    };
    expect([await positionStatus(d1), await positionStatus(d2), await positionStatus(d3)]).to.deep.equal([
      "PAID",
      "PAID",
      "UNPAID",
    ]);
    expect((await books(d1.account.address)).vault).to.equal(COLLATERAL - 300n);
    expect((await books(d2.account.address)).vault).to.equal(COLLATERAL - 300n);
    await expectBooksAgree();
    const onChain = await clearing.read.getCycle([cycleId, asset]);
    expect(onChain.paidIn).to.equal(600n);
    expect(onChain.resolvedDebtors).to.equal(2);
    // Not funded (d3 unpaid) and not every debtor resolved: no claim yet.
    expect(await tick()).to.deep.equal([]);

    // A replayed POST (the same body) answers the stored row and changes nothing.
    const snapshot = async () =>
      JSON.stringify(
        (
          await core.db.query(
            "SELECT debtor, status, tx_hash, settled_by, updated_at::text FROM collateral_settlements ORDER BY debtor",
          )
        ).rows,
      );
    const before = await snapshot();
    const d1Signature = await d1.signTypedData(
      netDebitSettlementTypedData({
        chainId: stack.chainId,
        clearingHouse,
        cycleId,
        asset,
        debtor: d1.account.address,
        amount: 300n,
      }),
    );
    const replay = await coreClient.authorizeSettlement(cycleId, asset, {
      debtor: d1.account.address,
      amount: 300n,
      signature: d1Signature,
    });
    expect(replay.status).to.equal("SETTLED");
    expect(await snapshot()).to.equal(before);
    expect(await tick()).to.deep.equal([]);

    // After the payment deadline d3 falls to the default path (nothing left to seize); then every debtor is
    // resolved and the creditors are paid pro rata (600 of 1,000) in one claimNetCredits.
    await advanceTo(BigInt(d.paymentDeadline) + 1n);
    expect(await tick()).to.deep.equal(["MARK_DEFAULTED", "CLAIM_CREDITS"]);
    await background.runOnce();
    expect(await positionStatus(d3)).to.equal("DEFAULTED");
    expect([await positionStatus(r1), await positionStatus(r2)]).to.deep.equal(["CLAIMED", "CLAIMED"]);
    expect(await token.read.balanceOf([r1.account.address])).to.equal(300n);
    expect(await token.read.balanceOf([r2.account.address])).to.equal(300n);
    await expectBooksAgree();
    expect(await tick()).to.deep.equal([]);

    await advanceTo(BigInt(d.finalityDeadline) + 1n);
    expect(await tick()).to.deep.equal(["FINALIZE"]);

    // One settlement batch and one claims batch, sent by Core's operator; no debtor sent anything after the deposit.
    const sent: string[] = [];
    for (let b = startBlock + 1n; b <= (await publicClient.getBlockNumber()); b++) {
      const block = await publicClient.getBlock({ blockNumber: b, includeTransactions: true });
      for (const tx of block.transactions) {
        if (tx.to?.toLowerCase() !== clearingHouse.toLowerCase()) continue;
        const { functionName } = decodeFunctionData({ abi: clearingHouseAbi, data: tx.input });
        sent.push(`${functionName}${tx.from.toLowerCase() === operator.address.toLowerCase() ? "" : " (other)"}`);
      }
    }
    expect(sent.filter((s) => s.startsWith("settleNetDebitsFromCollateral"))).to.deep.equal([
      "settleNetDebitsFromCollateral",
    ]);
    expect(sent.filter((s) => s.startsWith("claimNetCredits"))).to.deep.equal(["claimNetCredits"]);
    expect(sent.filter((s) => s.endsWith("(other)"))).to.deep.equal([]);
  });
});
