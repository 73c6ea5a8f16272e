import { expect } from "chai";
import { zeroAddress } from "viem";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { payer } from "../core/fixtures.ts";
import { balanceOf, deployVaultFixture, resetSyncDatabase } from "../core/syncFixtures.ts";
import { prng, runSeed } from "./harness.ts";

const CONFIRMATIONS = 3n;
const ROUNDS = Number(process.env.FOURMICA_REORG_ROUNDS ?? 16);

/**
 * Reorgs that remove deposits (docs/reliability.md), on Hardhat's in-process chain with evm_snapshot/evm_revert:
 * each round deposits, lets Core follow, then replaces the blocks holding the deposit by a branch with another
 * deposit, at a random depth on either side of the confirmation depth. Core never credits a deposit that is no
 * longer on the chain once it has caught up, and never sees one reorged out within the confirmation depth at all.
 */
describe("Adversarial: reorgs that remove a deposit", function () {
  this.timeout(180_000);
  let db: Database;
  let f: Awaited<ReturnType<typeof deployVaultFixture>>;

  before(async function () {
    db = await openPgliteDatabase();
    await resetSyncDatabase(db);
    f = await deployVaultFixture();
  });
  after(async function () {
    await db?.close();
  });

  const onchain = () =>
    f.publicClient.readContract({
      address: f.vault.address,
      abi: [
        {
          type: "function",
          name: "collateral",
          stateMutability: "view",
          inputs: [
            { name: "user", type: "address" },
            { name: "asset", type: "address" },
          ],
          outputs: [{ type: "uint256" }],
        },
      ],
      functionName: "collateral",
      args: [payer.address, zeroAddress],
    }) as Promise<bigint>;

  it(`follows ${ROUNDS} random reorgs around ${CONFIRMATIONS} confirmations: credited == on-chain once caught up`, async function () {
    const random = prng(runSeed("reorgs"));
    let shallow = 0;
    let deep = 0;
    let undone = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const amount = BigInt(1 + Math.floor(random() * 10_000));
      const replacement = BigInt(1 + Math.floor(random() * 10_000));
      // Blocks mined on top of the deposit before the reorg: 0..5, against a depth of 3.
      const buried = Math.floor(random() * 6);
      const creditedBefore = (await balanceOf(db, payer.address)).deposited;

      const snap = await f.snapshot();
      await f.depositEth(amount);
      await f.mine(buried);
      await f.sync(db, CONFIRMATIONS);
      const seen = (await balanceOf(db, payer.address)).deposited;
      // The deposit's block is `buried` blocks under the head: credited only at depth >= CONFIRMATIONS.
      const deepEnough = BigInt(buried) >= CONFIRMATIONS;
      expect(seen, `round ${round}: buried ${buried}`).to.equal(creditedBefore + (deepEnough ? amount : 0n));

      // The branch without it: another deposit, and enough blocks for the new branch to be the longer one.
      await f.revert(snap);
      await f.depositEth(replacement);
      await f.mine(buried + 1 + Number(CONFIRMATIONS));
      const r = await f.sync(db, CONFIRMATIONS);
      if (deepEnough) {
        deep++;
        expect(r.reorged, `round ${round}`).to.equal(true);
        expect(r.undone, `round ${round}`).to.equal(1);
        undone += r.undone;
      } else {
        shallow++;
        // Within the confirmation depth Core never applied it: nothing to undo.
        expect(r.undone, `round ${round}`).to.equal(0);
      }
      const after = (await balanceOf(db, payer.address)).deposited;
      expect(after, `round ${round}`).to.equal(creditedBefore + replacement);
      expect(after, `round ${round}`).to.equal(await onchain());
    }
    const { rows } = await db.query<{ removed: boolean; n: string }>(
      "SELECT removed, count(*)::text AS n FROM chain_events GROUP BY removed ORDER BY removed",
    );
    console.log(
      `      [adversarial] reorgs: ${ROUNDS} rounds (${shallow} within ${CONFIRMATIONS} confirmations, ${deep} deeper, ` +
        `${undone} deposits undone); chain_events ${JSON.stringify(rows)}`,
    );
    expect(shallow + deep).to.equal(ROUNDS);
  });
});
