/**
 * Every webhook event type, produced by the real stack: the production contracts on the in-process Hardhat chain,
 * Core in process (HTTP issuance and actions, chain sync, V2 promotion, the cycle scheduler) and its delivery
 * worker, one receiver subscribed to all types. Each request is verified with the SDK's verifyWebhook.
 */
import { expect } from "chai";
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
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { actionTypedData } from "../../offchain/src/core/lifecycle/lifecycleMessages.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { deadlinesOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { GuaranteeRequest, GuaranteeRequestV2 } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { WEBHOOK_EVENT_TYPES } from "../../offchain/src/protocol/webhookEvents.ts";
import { verifyWebhook, type WebhookEvent } from "../../offchain/src/sdk/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { stackCoreConfig } from "../utils/stackCoreConfig.ts";
import { silentLogger, wire } from "../core/fixtures.ts";
import { OPERATOR_KEY, openMigrated, SCHEDULER_BACKENDS } from "../core/schedulerFixtures.ts";
import { ADMIN_TOKEN, adminHeaders, resetWebhooks, startReceiver, until, webhookConfig } from "./fixtures.ts";

const ETH = 10n ** 18n;

for (const backend of SCHEDULER_BACKENDS) {
  describe(`Webhooks: every event type from the real stack (${backend.name})`, function () {
    this.timeout(240_000);
    let db: Database;
    let core: Core | undefined;
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

    beforeEach(async function () {
      db = await openMigrated(backend.open);
      await resetWebhooks(db);
    });
    afterEach(async function () {
      await core?.close();
      await receiver?.close();
      await resetWebhooks(db);
      await db.close();
    });

    it("emits deposit, guarantee (issued, payable, disputed, cancelled, netted, settled, defaulted and covered), withdrawal and cycle events", async function () {
      const { viem, networkHelpers, provider } = await network.create();
      const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
      const [, recipient, validator] = await viem.getWalletClients();
      const operator = privateKeyToAccount(OPERATOR_KEY);
      const bls = await loadBlsBackend("auto");
      const startBlock = await publicClient.getBlockNumber();
      const stack = await deployStack(viem, {
        blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
        operator: operator.address,
      });
      const chainId = BigInt(stack.chainId);
      const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
      const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
      const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
      const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);
      const { result: agentId } = await identity.simulate.register({ account: recipient!.account.address });
      await identity.write.register({ account: recipient!.account });
      let clock = (await publicClient.getBlock()).timestamp;
      core = await createCore(
        stackCoreConfig(stack, startBlock, {
          adminToken: ADMIN_TOKEN,
          webhooks: webhookConfig(),
        }),
        {
          db,
          logger: silentLogger,
          now: () => clock,
          chainClient: publicClient,
          walletClient: createWalletClient({ account: operator, chain: hardhat, transport: custom(provider) }),
        },
      );
      const c = core;

      receiver = await startReceiver();
      const sub = await c.app.inject({
        method: "POST",
        url: "/core/admin/webhooks",
        headers: adminHeaders,
        payload: { url: receiver.url, eventTypes: [...WEBHOOK_EVENT_TYPES] },
      });
      expect(sub.statusCode, sub.body).to.equal(201);
      const secret = sub.json().secret as string;
      const jobs = c.startBackground({ scheduler: false });

      const now = async () => (clock = (await publicClient.getBlock()).timestamp);
      const at = async (t: bigint) => {
        await networkHelpers.time.increaseTo(t);
        return now();
      };
      const sync = async () => {
        await now();
        await jobs.runOnce();
      };
      const tick = async () => (await c.scheduler!.tick(await now())).actions.map((a) => a.kind);
      const walletOf = async (account: PrivateKeyAccount) => {
        await networkHelpers.setBalance(account.address, 1_000n * ETH);
        return createWalletClient({ account, chain: hardhat, transport: custom(provider) });
      };
      const send = async (from: PrivateKeyAccount, call: { to: Address; data: Hex; value: string }) => {
        const w = await walletOf(from);
        const hash = await w.sendTransaction({ to: call.to, data: call.data, value: BigInt(call.value) });
        expect((await publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
      };
      const issue = async (request: GuaranteeRequest, signer: PrivateKeyAccount) => {
        const signature = await signGuaranteeRequest(signer, request, { chainId, verifyingContract: vault.address });
        const res = await c.app.inject({ method: "POST", url: "/core/guarantees", payload: wire(request, signature) });
        expect(res.statusCode, res.body).to.equal(201);
        return res.json() as { guaranteeId: Hex; cycleId: string };
      };
      const base = (user: Address, reqId: bigint, amount: bigint) => ({
        user,
        recipient: recipient!.account.address,
        reqId,
        amount,
        asset: zeroAddress,
        timestamp: clock,
      });
      const v2 = (user: Address, reqId: bigint, amount: bigint): GuaranteeRequestV2 => {
        const b = base(user, reqId, amount);
        const policy = buildValidationPolicy(b, {
          validationRegistry: registry.address,
          validationChainId: chainId,
          validatorAddress: validator!.account.address,
          validatorAgentId: agentId,
          minValidationScore: 80,
          jobHash: keccak256(toHex(`job ${reqId}`)),
          requiredValidationTag: "quality",
        });
        return { ...b, version: 2, policy };
      };
      const action = async (
        kind: "dispute" | "cancel",
        id: Hex,
        signer: { signTypedData: (t: never) => Promise<Hex> },
      ) =>
        c.app.inject({
          method: "POST",
          url: `/core/guarantees/${id}/${kind}`,
          payload: {
            signature: await signer.signTypedData(
              actionTypedData(kind, id, { chainId, core4Mica: vault.address }) as never,
            ),
            scheme: "eip712",
          },
        });

      // Two payers deposit: alice will pay her net debit, bob will default.
      const alice = privateKeyToAccount(generatePrivateKey());
      const bob = privateKeyToAccount(generatePrivateKey());
      for (const p of [alice, bob]) {
        await publicClient.waitForTransactionReceipt({
          hash: await vault.write.depositFor([p.address, zeroAddress, 100n * ETH], { value: 100n * ETH }),
        });
      }
      await sync();

      // Issued: V1s of both, a V2 that a validator then makes payable, a V2 alice disputes, a V1 the recipient cancels.
      await now();
      const paid = await issue({ ...base(alice.address, 1n, 3n * ETH), version: 1 }, alice);
      const defaulted = await issue({ ...base(bob.address, 2n, 2n * ETH), version: 1 }, bob);
      const promoted = v2(alice.address, 3n, 1n * ETH);
      const promotedCert = await issue(promoted, alice);
      const disputed = await issue(v2(alice.address, 4n, 1n * ETH), alice);
      const cancelled = await issue({ ...base(alice.address, 5n, 1n * ETH), version: 1 }, alice);
      expect(await tick()).to.include("CREATE_CYCLE");

      await registry.write.validationRequest(
        [validator!.account.address, agentId, "ipfs://job", promoted.policy.validationRequestHash],
        { account: recipient!.account },
      );
      await registry.write.validationResponse(
        [promoted.policy.validationRequestHash, 90, "ipfs://verdict", `0x${"00".repeat(32)}`, "quality"],
        { account: validator!.account },
      );
      await sync();
      expect((await action("dispute", disputed.guaranteeId, alice)).statusCode).to.equal(200);
      expect((await action("cancel", cancelled.guaranteeId, recipient!)).statusCode).to.equal(200);

      // The cycle: close, net, commit; alice pays, bob defaults (covered from his collateral), finalize.
      const cycleId = BigInt(paid.cycleId);
      expect(BigInt(defaulted.cycleId)).to.equal(cycleId);
      const d = deadlinesOf(await c.scheduler!.schedule(), cycleId);
      await at(d.end);
      await tick();
      await at(d.resolutionCutoff);
      expect(await tick()).to.include.members(["NET", "COMMIT"]);
      await sync();
      const position = await c.app.inject({
        method: "GET",
        url: `/core/cycles/${cycleId}/${zeroAddress}/positions/${alice.address.toLowerCase()}`,
      });
      expect(position.statusCode, position.body).to.equal(200);
      await send(alice, position.json().calls.payNetDebit);
      await sync();
      await at(d.paymentDeadline + 1n);
      await tick();
      await sync();
      await at(d.finalityDeadline + 1n);
      await tick();
      await sync();
      expect((await clearingHouse.read.getCycle([cycleId, zeroAddress])).finalized).to.equal(true);

      // Alice withdraws what is left after the delay.
      const aliceWallet = await walletOf(alice);
      const left = await vault.read.collateral([alice.address, zeroAddress]);
      await publicClient.waitForTransactionReceipt({
        hash: await aliceWallet.writeContract({
          address: vault.address,
          abi: vault.abi,
          functionName: "requestWithdrawal",
          args: [zeroAddress, left],
        }),
      });
      await sync();
      await at((await now()) + BigInt(await vault.read.withdrawalDelay()) + 1n);
      await publicClient.waitForTransactionReceipt({
        hash: await aliceWallet.writeContract({
          address: vault.address,
          abi: vault.abi,
          functionName: "finalizeWithdrawal",
          args: [zeroAddress],
        }),
      });
      await sync();

      // Every event is delivered and verifies; each type at least once, each with what caused it.
      const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM webhook_events");
      const total = Number(rows[0]!.n);
      await until("every delivery", async () => {
        const r = await db.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM webhook_deliveries WHERE status = 'DELIVERED'",
        );
        return Number(r.rows[0]!.n) === total ? true : undefined;
      });
      const events = new Map<string, WebhookEvent>();
      for (const r of receiver.received) {
        const e = verifyWebhook(secret, r.headers, r.body);
        events.set(e.id, e);
      }
      expect(events.size).to.equal(total);
      const all = [...events.values()];
      const of = (type: string) => all.filter((e) => e.type === type);
      expect(new Set(all.map((e) => e.type))).to.deep.equal(new Set(WEBHOOK_EVENT_TYPES));

      const gid = (e: WebhookEvent) => (e.data as { guaranteeId: string }).guaranteeId;
      expect(of("deposit.seen").map((e) => (e.data as { user: string }).user)).to.have.members([
        alice.address.toLowerCase(),
        bob.address.toLowerCase(),
      ]);
      expect(of("guarantee.issued").map(gid)).to.have.members(
        [paid, defaulted, promotedCert, disputed, cancelled].map((g) => g.guaranteeId),
      );
      expect(of("guarantee.payable").map(gid)).to.deep.equal([promotedCert.guaranteeId]);
      expect(of("guarantee.disputed").map(gid)).to.deep.equal([disputed.guaranteeId]);
      expect(of("guarantee.cancelled").map(gid)).to.deep.equal([cancelled.guaranteeId]);
      expect(of("guarantee.netted").map(gid)).to.have.members([
        paid.guaranteeId,
        defaulted.guaranteeId,
        promotedCert.guaranteeId,
      ]);
      expect(of("guarantee.settled").map(gid)).to.have.members([paid.guaranteeId, promotedCert.guaranteeId]);
      expect(of("guarantee.defaulted_covered").map(gid)).to.deep.equal([defaulted.guaranteeId]);
      const onchain = await clearingHouse.read.getCycle([cycleId, zeroAddress]);
      const committed = of("cycle.committed");
      expect(committed).to.have.length(1);
      expect(committed[0]!.data).to.include({
        cycleId: cycleId.toString(),
        asset: zeroAddress,
        status: "COMMITTED",
        merkleRoot: onchain.root,
        totalNet: onchain.totalNet.toString(),
      });
      expect(of("cycle.finalized").map((e) => (e.data as { cycleId: string }).cycleId)).to.deep.equal([
        cycleId.toString(),
      ]);
      expect(of("withdrawal.requested").map((e) => (e.data as { amount: string }).amount)).to.deep.equal([
        left.toString(),
      ]);
      expect(of("withdrawal.finalized").map((e) => (e.data as { amount: string }).amount)).to.deep.equal([
        left.toString(),
      ]);
    });
  });
}
