import { expect } from "chai";
import { network } from "hardhat";
import type { Address, PublicClient } from "viem";

import { syncChain } from "../../offchain/src/core/adapters/chain/syncChain.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { createPureBackend } from "../../offchain/src/protocol/bls/createPureBackend.ts";
import { g1ToEip2537 } from "../../offchain/src/protocol/bls/g1ToEip2537.ts";
import { BLS_SK } from "../core/fixtures.ts";
import { balanceOf, resetSyncDatabase } from "../core/syncFixtures.ts";
import { prng, runSeed } from "./harness.ts";

const DEPOSITS = Number(process.env.FOURMICA_TOKEN_ROUNDS ?? 12);

/**
 * Hostile ERC-20s seen from Core (docs/reliability.md): the vault allows a fee-on-transfer token and a token whose
 * transferFrom returns false; Core's books, learnt by chain sync, must equal what the vault holds for the payer
 * (never the amount the payer asked to deposit), and a deposit that moved nothing credits nothing. The contract
 * side of these tokens is tested in test/vault/Core4MicaDeposit.t.sol and test/clearing/ClearingHouse.pay.t.sol.
 */
describe("Adversarial: hostile ERC-20 deposits, Core's books against the vault", function () {
  this.timeout(180_000);
  let db: Database;

  before(async function () {
    db = await openPgliteDatabase();
    await resetSyncDatabase(db);
  });
  after(async function () {
    await db?.close();
  });

  it(`credits what arrived for ${DEPOSITS} fee-on-transfer deposits at random fees, nothing for a false return`, async function () {
    const random = prng(runSeed("hostile token deposits"));
    const { viem } = await network.create();
    const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
    const [admin, payerWallet] = await viem.getWalletClients();
    const payer = payerWallet!.account.address;
    const manager = await viem.deployContract(
      "@openzeppelin/contracts/access/manager/AccessManager.sol:AccessManager",
      [admin!.account.address],
    );
    const fee = await viem.deployContract("FeeOnTransferERC20", [100n]);
    const falseToken = await viem.deployContract("FalseReturningERC20");
    const key = g1ToEip2537(createPureBackend().publicKey(BLS_SK));
    const vault = await viem.deployContract("Core4Mica", [manager.address, key, [fee.address, falseToken.address]]);
    const startBlock = await publicClient.getBlockNumber();
    const sync = () =>
      syncChain({ client: publicClient, db, chainId: 31337n, core4Mica: vault.address, startBlock, confirmations: 0n });
    const onchain = (asset: Address) => vault.read.collateral([payer, asset]) as Promise<bigint>;
    const as = { account: payerWallet!.account };

    await fee.write.mint([payer, 10n ** 30n]);
    await fee.write.approve([vault.address, 2n ** 255n], as);
    let asked = 0n;
    let refused = 0;
    for (let i = 0; i < DEPOSITS; i++) {
      // 0 to 100% in basis points, a full fee now and then: the vault refuses a deposit that brings nothing.
      const bps = random() < 0.15 ? 10_000n : BigInt(Math.floor(random() * 10_000));
      const amount = BigInt(1 + Math.floor(random() * 1e12));
      await fee.write.setFeeBps([bps]);
      try {
        await vault.write.deposit([fee.address, amount], as);
        asked += amount;
      } catch {
        expect(bps, `deposit of ${amount} at ${bps} bps refused`).to.equal(10_000n);
        refused++;
      }
      await sync();
      expect((await balanceOf(db, payer, fee.address)).deposited, `after deposit ${i} at ${bps} bps`).to.equal(
        await onchain(fee.address),
      );
    }
    const credited = await onchain(fee.address);
    expect(credited < asked || asked === 0n, `credited ${credited} of ${asked} asked`).to.equal(true);
    expect(await fee.read.balanceOf([vault.address])).to.equal(credited);

    // transferFrom returns false: the deposit reverts (SafeERC20) and Core credits nothing.
    await falseToken.write.mint([payer, 1_000n]);
    await falseToken.write.approve([vault.address, 1_000n], as);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([falseToken.address, 1_000n], as),
      vault,
      "SafeERC20FailedOperation",
      [falseToken.address],
    );
    await sync();
    expect((await balanceOf(db, payer, falseToken.address)).deposited).to.equal(0n);
    expect(await onchain(falseToken.address)).to.equal(0n);
    console.log(
      `      [adversarial] hostile tokens: ${DEPOSITS} fee-on-transfer deposits (${refused} refused at a 100% fee), ` +
        `${credited} credited of ${asked} asked; 1 false-returning deposit refused`,
    );
  });
});
