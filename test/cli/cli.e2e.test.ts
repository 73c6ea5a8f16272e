import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { pino } from "pino";
import {
  createWalletClient,
  custom,
  getAddress,
  keccak256,
  toHex,
  zeroAddress,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat as hardhatChain } from "viem/chains";

import { ExitCode } from "../../offchain/src/cli/exitCodes.ts";
import { loadConfig } from "../../offchain/src/core/config.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { buildCertificate } from "../../offchain/src/core/issuance/buildCertificate.ts";
import { core4MicaAbi } from "../../offchain/src/deploy/deployAbis.ts";
import { g1ToEip2537, loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { decodeEnvelope } from "../../offchain/src/protocol/decodeEnvelope.ts";
import {
  createCoreClient,
  createGuaranteeRequest,
  CoreRequestError,
  signPaymentRequest,
} from "../../offchain/src/sdk/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { cli } from "./cliHarness.ts";

const ETH = zeroAddress;
const OPERATOR_KEY: Hex = keccak256(toHex("4mica cli test operator chain key"));
/** Hardhat's account #0: the deployer, which holds GOVERNANCE (no delay) in the development wiring. */
const DEPLOYER_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADMIN_TOKEN = "cli-e2e-admin-token-0123456789abcdef";
const CLOSED_PORT = 19298;

/**
 * Every `4mica` command against the real contracts on Hardhat's in-process chain and Core in process (one stack for
 * the file): a payer deposits, pays and withdraws, a seller claims and remunerates from certificate files, an
 * operator pauses issuance (settlement still runs), reads cycles and pauses the contracts as guardian; and the exit
 * code of each failure kind. Steps run in order on one fixture.
 */
describe("4mica CLI end to end (chain and Core in process)", function () {
  this.timeout(300_000);

  let dir: string;
  let core: Core;
  let f: Awaited<ReturnType<typeof fixture>>;

  async function fixture() {
    const { viem, networkHelpers, provider } = await network.create();
    const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
    const operator = privateKeyToAccount(OPERATOR_KEY);
    const guardianKey = generatePrivateKey();
    const payerKey = generatePrivateKey();
    const sellerKey = generatePrivateKey();
    const [guardian, payer, seller] = [guardianKey, payerKey, sellerKey].map((k) => privateKeyToAccount(k));
    for (const a of [operator, guardian!, payer!, seller!]) await networkHelpers.setBalance(a.address, 10n ** 21n);
    const bls = await loadBlsBackend("auto");
    const stack = await deployStack(viem, {
      blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
      operator: operator.address,
      guardian: guardian!.address,
    });
    const token = await viem.getContractAt("MockERC20", stack.tokens[0]!.address);
    await token.write.mint([payer!.address, 5_000_000n]);
    const house = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
    const transport = custom(provider);

    let chainNow = BigInt(await networkHelpers.time.latest());
    // The CLI's transactions mine blocks too: compare with the chain's latest block, not the last time read.
    const advanceTo = async (t: bigint) => {
      if (t > BigInt(await networkHelpers.time.latest())) await networkHelpers.time.increaseTo(t);
      chainNow = BigInt(await networkHelpers.time.latest());
    };

    dir = mkdtempSync(join(tmpdir(), "4mica-cli-e2e-"));
    const deploymentsFile = join(dir, "deployment.json");
    writeFileSync(deploymentsFile, JSON.stringify({ network: "cli-e2e", ...stack }, null, 2));
    core = await createCore(
      loadConfig({
        FOURMICA_DEPLOYMENTS_FILE: deploymentsFile,
        FOURMICA_BLS_SECRET_KEY: DEV_BLS_SECRET_KEY,
        FOURMICA_OPERATOR_KEY: OPERATOR_KEY,
        // Its creditors claim themselves (claimNetCredit); the batched auto-claim (docs/protocol.md §10) stays off.
        FOURMICA_AUTO_CLAIM: "false",
        FOURMICA_ACCEPTED_VERSIONS: "1",
        FOURMICA_DATA_DIR: "memory",
        FOURMICA_CONFIRMATIONS: "0",
        FOURMICA_ADMIN_TOKEN: ADMIN_TOKEN,
        FOURMICA_LOG_LEVEL: "warn",
      }),
      {
        chainClient: publicClient,
        transport,
        walletClient: createWalletClient({ account: operator, chain: hardhatChain, transport }),
        now: () => chainNow,
        logger: pino({ level: "silent" }),
      },
    );
    const coreUrl = await core.listen(0, "127.0.0.1");
    const background = core.startBackground({ scheduler: false });
    const tick = async () => {
      await core.scheduler!.scheduler.tick(chainNow);
      await background.runOnce();
    };
    const base = { FOURMICA_DEPLOYMENTS_FILE: deploymentsFile, FOURMICA_CORE_URL: coreUrl };
    const as = (key: Hex) => ({ ...base, FOURMICA_PRIVATE_KEY: key });
    const run = (argv: string[], env: Record<string, string> = base) => cli(argv, { env, transport });
    const payerCore = createCoreClient({ url: coreUrl });
    const domain = { chainId: stack.chainId, verifyingContract: stack.core4Mica };
    const payerWallet = createWalletClient({ account: payer!, chain: hardhatChain, transport });

    /** The payer signs a V1 request, Core certifies; the seller's file is what a seller keeps (SDK StoredCertificate). */
    async function pay(amount: bigint) {
      const request = createGuaranteeRequest({
        user: payer!.address,
        recipient: seller!.address,
        amount,
        asset: ETH,
        timestamp: chainNow,
      });
      const { signature } = await signPaymentRequest(payerWallet, { request, domain });
      const cert = await payerCore.issue(request, signature);
      return {
        request,
        cert,
        file: {
          guaranteeId: cert.guaranteeId,
          cycleId: cert.cycleId.toString(),
          claims: cert.claims,
          signature: cert.signature,
          payerSignature: signature,
        },
      };
    }
    const writeCertificates = (name: string, files: object[]) => {
      const d = join(dir, name);
      mkdirSync(d, { recursive: true });
      files.forEach((c, i) => writeFileSync(join(d, `cert-${i}.json`), JSON.stringify(c)));
      return d;
    };

    return {
      viem,
      publicClient,
      networkHelpers,
      stack,
      token,
      house,
      bls,
      payer: payer!,
      seller: seller!,
      keys: { payer: payerKey, seller: sellerKey, guardian: guardianKey },
      base,
      as,
      run,
      tick,
      background,
      advanceTo,
      now: () => chainNow,
      pay,
      writeCertificates,
      admin: { ...base, FOURMICA_ADMIN_TOKEN: ADMIN_TOKEN },
    };
  }

  before(async function () {
    f = await fixture();
  });
  after(async function () {
    await core?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("payer", function () {
    it("deposit ETH: exit 0, one JSON document with the transaction and the new collateral", async function () {
      const r = await f.run(["--json", "payer", "deposit", "ETH", `${3n * 10n ** 18n}`], f.as(f.keys.payer));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json).to.include({ payer: f.payer.address, asset: "ETH", amount: `${3n * 10n ** 18n}` });
      expect(r.json.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(r.json.collateral).to.equal(`${3n * 10n ** 18n}`);
    });

    it("deposit an ERC-20 by its symbol, approving the vault first; human output by default", async function () {
      const symbol = f.stack.tokens[0]!.symbol;
      const r = await f.run(["payer", "deposit", symbol, "1000000"], f.as(f.keys.payer));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.stdout).to.match(/^payer: 0x/m);
      expect(r.stdout).to.match(/^approvalTxHash: 0x[0-9a-f]{64}$/m);
      expect(r.stdout).to.contain("collateral: 1000000");
      expect(r.stderr).to.contain(`depositing 1000000 ${symbol}`);
      expect(await f.token.read.balanceOf([f.payer.address])).to.equal(4_000_000n);
    });

    it("status: on-chain collateral and Core's free collateral after a SIWE sign-in", async function () {
      await f.background.runOnce();
      await f.advanceTo(BigInt(Math.floor(Date.now() / 1000)) + 1n); // SIWE is stamped with the wall clock
      const r = await f.run(["--json", "payer", "status"], f.as(f.keys.payer));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      const eth = r.json.assets.find((a: { asset: string }) => a.asset === "ETH");
      expect(eth.collateral).to.equal(`${3n * 10n ** 18n}`);
      expect(eth.core).to.deep.equal({ locked: "0", available: `${3n * 10n ** 18n}` });
      expect(r.json.coreError).to.equal(undefined);
    });
  });

  let netted: Awaited<ReturnType<typeof f.pay>>[] = [];
  let cycleId: bigint;

  describe("operator pauses issuance; settlement keeps running", function () {
    it("pause: Core refuses new guarantees with ISSUANCE_PAUSED and locks nothing", async function () {
      netted = [await f.pay(3n * 10n ** 17n), await f.pay(2n * 10n ** 17n)];
      cycleId = netted[0]!.cert.cycleId;
      const r = await f.run(["--json", "operator", "pause", "--reason", "drill"], f.admin);
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json.issuance.paused).to.equal(true);
      let refused: unknown;
      try {
        await f.pay(10n ** 17n);
      } catch (e) {
        refused = e;
      }
      expect(refused).to.be.instanceOf(CoreRequestError);
      expect((refused as CoreRequestError).details?.coreCode).to.equal("ISSUANCE_PAUSED");
      const status = await f.run(["--json", "payer", "status"], f.as(f.keys.payer));
      expect(status.json.assets[0].core.locked).to.equal(`${5n * 10n ** 17n}`);
    });

    it("operator cycle: the scheduler still nets and commits while issuance is paused", async function () {
      const deadlines = await f.house.read.cycleDeadlines([cycleId]);
      await f.advanceTo(deadlines.resolutionCutoff);
      await f.tick();
      const r = await f.run(["--json", "operator", "cycle", cycleId.toString(), "--asset", "ETH"]);
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json.cycleId).to.equal(cycleId.toString());
      expect(r.json.deadlines.resolutionCutoff).to.equal(deadlines.resolutionCutoff.toString());
      const [eth] = r.json.assets;
      expect(eth.chain.committed).to.equal(true);
      expect(eth.chain.totalNet).to.equal(`${5n * 10n ** 17n}`);
      expect(eth.core.status).to.equal("COMMITTED");
    });

    it("operator status: Core's issuance switch and the contracts' pause state", async function () {
      const r = await f.run(["--json", "operator", "status"], f.admin);
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json.core.issuance).to.include({ paused: true, reason: "drill" });
      expect(r.json.chain.core4Mica.paused).to.equal(false);
      expect(r.json.chain.clearingHouse.paused).to.equal(false);
    });
  });

  describe("payer pays the net debit, recipient claims the net credit", function () {
    it("pay: exit 0; paying again is refused with the ClearingHouse's error (exit 5)", async function () {
      const r = await f.run(["--json", "payer", "pay", cycleId.toString(), "ETH"], f.as(f.keys.payer));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json).to.include({ cycleId: cycleId.toString(), amount: `${5n * 10n ** 17n}` });
      expect((await f.house.read.getParticipant([cycleId, ETH, f.payer.address])).paid).to.equal(true);
      const again = await f.run(["--json", "payer", "pay", cycleId.toString(), "ETH"], f.as(f.keys.payer));
      expect(again.code).to.equal(ExitCode.REFUSED);
      expect(again.json.error.name).to.equal("ClearingHouseDebtorAlreadyResolved");
      expect(again.stderr).to.contain("ClearingHouseDebtorAlreadyResolved");
    });

    it("claim: the seller's net credit arrives", async function () {
      const before = await f.publicClient.getBalance({ address: f.seller.address });
      const r = await f.run(["--json", "recipient", "claim", cycleId.toString(), "ETH"], f.as(f.keys.seller));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      const receipt = await f.publicClient.getTransactionReceipt({ hash: r.json.txHash });
      const after = await f.publicClient.getBalance({ address: f.seller.address });
      expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).to.equal(5n * 10n ** 17n);
    });

    it("pay for a cycle Core has no position in: Core's error code, exit 5", async function () {
      const r = await f.run(["--json", "payer", "pay", "999999", "ETH"], f.as(f.keys.payer));
      expect(r.code).to.equal(ExitCode.REFUSED);
      expect(r.json.error.name).to.match(/_NOT_FOUND$/);
    });

    it("resume", async function () {
      const r = await f.run(["--json", "operator", "resume"], f.admin);
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json.issuance.paused).to.equal(false);
    });
  });

  describe("recipient remunerates certificate files (V1 fallback of a missed cycle), batched", function () {
    let missedDir: string;
    let missed: Awaited<ReturnType<typeof f.pay>>[];

    it("owed: lists the certificates of a cycle that missed its commit, remunerable once its fallback opens", async function () {
      missed = [await f.pay(10n ** 17n), await f.pay(2n * 10n ** 17n), await f.pay(3n * 10n ** 17n)];
      missedDir = f.writeCertificates(
        "missed",
        missed.map((m) => m.file),
      );
      const early = await f.run(["--json", "recipient", "owed", missedDir]);
      expect(early.code, early.stderr).to.equal(ExitCode.OK);
      expect(early.json.owedCount).to.equal(3);
      expect(early.json.remunerableNow).to.equal(0);
      const deadlines = await f.house.read.cycleDeadlines([missed[0]!.cert.cycleId]);
      await f.advanceTo(deadlines.finalityDeadline); // no tick: the cycle is never committed
      const r = await f.run(["--json", "recipient", "owed", missedDir]);
      expect(r.json.remunerableNow).to.equal(3);
      expect(r.json.totals).to.deep.equal({ ETH: `${6n * 10n ** 17n}` });
      expect(r.json.owed.map((o: { route: string }) => o.route)).to.deep.equal(Array(3).fill("V1_FALLBACK"));
    });

    it("remunerate --dry-run sends nothing", async function () {
      const nonce = await f.publicClient.getTransactionCount({ address: f.seller.address });
      const r = await f.run(["--json", "recipient", "remunerate", missedDir, "--dry-run"], f.as(f.keys.seller));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json.summary).to.deep.equal({ total: 3, remunerated: 0, ready: 3, skipped: 0, failed: 0 });
      expect(await f.publicClient.getTransactionCount({ address: f.seller.address })).to.equal(nonce);
    });

    it("refuses a directory holding a forged certificate before sending anything (exit 3)", async function () {
      const claims = decodeEnvelope(missed[0]!.cert.claims);
      const forged = buildCertificate(claims, f.bls.signer(toHex(7n, { size: 32 })));
      const bad = f.writeCertificates("forged", [missed[1]!.file, { ...missed[0]!.file, signature: forged.signature }]);
      const nonce = await f.publicClient.getTransactionCount({ address: f.seller.address });
      const r = await f.run(["--json", "recipient", "remunerate", bad], f.as(f.keys.seller));
      expect(r.code).to.equal(ExitCode.INVALID_INPUT);
      expect(r.json.error.code).to.equal("CERTIFICATE_BAD_SIGNATURE");
      expect(r.json.error.details.file).to.match(/cert-1\.json$/);
      expect(await f.publicClient.getTransactionCount({ address: f.seller.address })).to.equal(nonce);
    });

    it("refuses a file that is not JSON, or misses a field (exit 3)", async function () {
      const notJson = join(dir, "broken.json");
      writeFileSync(notJson, "{ not json");
      const r = await f.run(["--json", "recipient", "remunerate", notJson], f.as(f.keys.seller));
      expect(r.code).to.equal(ExitCode.INVALID_INPUT);
      expect(r.json.error.code).to.equal("INVALID_JSON");
      const partial = join(dir, "partial.json");
      writeFileSync(partial, JSON.stringify({ claims: missed[0]!.file.claims, signature: missed[0]!.file.signature }));
      const p = await f.run(["--json", "recipient", "owed", partial]);
      expect(p.code).to.equal(ExitCode.INVALID_INPUT);
      expect(p.json.error.code).to.equal("INVALID_CERTIFICATE_FILE");
      expect(p.json.error.message).to.contain("payerSignature");
      const none = await f.run(["--json", "recipient", "owed", join(dir, "absent.json")]);
      expect(none.code).to.equal(ExitCode.INVALID_INPUT);
    });

    it("remunerate: batches of --batch-size through remunerateBatch, progress on stderr; the seller is paid", async function () {
      const before = await f.publicClient.getBalance({ address: f.seller.address });
      const r = await f.run(["--json", "recipient", "remunerate", missedDir, "--batch-size", "2"], f.as(f.keys.seller));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json.summary).to.deep.equal({ total: 3, remunerated: 3, ready: 0, skipped: 0, failed: 0 });
      expect(r.stderr).to.contain("remunerating batch 1/2 (2 certificate(s))");
      expect(r.stderr).to.contain("remunerating batch 2/2 (1 certificate(s))");
      const hashes = [...new Set(r.json.certificates.map((c: { txHash: Hex }) => c.txHash))] as Hex[];
      expect(hashes).to.have.length(2);
      let gas = 0n;
      for (const hash of hashes) {
        const receipt = await f.publicClient.getTransactionReceipt({ hash });
        gas += receipt.gasUsed * receipt.effectiveGasPrice;
      }
      const after = await f.publicClient.getBalance({ address: f.seller.address });
      expect(after - before + gas).to.equal(6n * 10n ** 17n);
    });

    it("remunerate again: every certificate skipped as already paid, exit 5, the result still printed", async function () {
      const r = await f.run(["--json", "recipient", "remunerate", missedDir], f.as(f.keys.seller));
      expect(r.code).to.equal(ExitCode.REFUSED);
      expect(r.json.summary).to.deep.equal({ total: 3, remunerated: 0, ready: 0, skipped: 3, failed: 0 });
      expect(r.json.certificates[0].reason).to.equal("already paid");
      expect(r.stderr).to.contain("NOT_ALL_REMUNERATED");
      const owed = await f.run(["--json", "recipient", "owed", missedDir]);
      expect(owed.json.owedCount).to.equal(0);
    });
  });

  describe("payer withdraws", function () {
    it("request, refuse an early finalize (5), cancel, refuse a second cancel (5), request, finalize after the delay", async function () {
      const symbol = f.stack.tokens[0]!.symbol;
      const env = f.as(f.keys.payer);
      const req = await f.run(["--json", "payer", "withdraw", "request", symbol, "400000"], env);
      expect(req.code, req.stderr).to.equal(ExitCode.OK);
      expect(req.json.amount).to.equal("400000");
      const early = await f.run(["--json", "payer", "withdraw", "finalize", symbol], env);
      expect(early.code).to.equal(ExitCode.REFUSED);
      expect(early.json.error.code).to.equal("WITHDRAWAL_NOT_READY");
      expect(early.json.error.details.finalizableAt).to.equal(req.json.finalizableAt);
      expect((await f.run(["--json", "payer", "withdraw", "cancel", symbol], env)).code).to.equal(ExitCode.OK);
      const twice = await f.run(["--json", "payer", "withdraw", "cancel", symbol], env);
      expect(twice.code).to.equal(ExitCode.REFUSED);
      expect(twice.json.error.code).to.equal("NO_PENDING_WITHDRAWAL");
      const again = await f.run(["--json", "payer", "withdraw", "request", symbol, "400000"], env);
      await f.advanceTo(BigInt(again.json.finalizableAt));
      const before = await f.token.read.balanceOf([f.payer.address]);
      const fin = await f.run(["--json", "payer", "withdraw", "finalize", symbol], env);
      expect(fin.code, fin.stderr).to.equal(ExitCode.OK);
      expect((await f.token.read.balanceOf([f.payer.address])) - before).to.equal(400_000n);
    });
  });

  describe("operator guardian-pause / guardian-unpause (the contracts, GUARDIAN and GOVERNANCE roles)", function () {
    it("guardian-pause pauses both contracts; deposits are then refused (exit 5)", async function () {
      const r = await f.run(["--json", "operator", "guardian-pause"], f.as(f.keys.guardian));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      expect(r.json.targets.map((t: { target: string; changed: boolean }) => [t.target, t.changed])).to.deep.equal([
        ["vault", true],
        ["clearing-house", true],
      ]);
      const status = await f.run(["--json", "operator", "status"], f.admin);
      expect(status.json.chain.core4Mica.paused).to.equal(true);
      expect(status.json.chain.clearingHouse.paused).to.equal(true);
      const deposit = await f.run(["--json", "payer", "deposit", "ETH", "1000"], f.as(f.keys.payer));
      expect(deposit.code).to.equal(ExitCode.REFUSED);
      expect(deposit.json.error.name).to.equal("EnforcedPause");
      const again = await f.run(["--json", "operator", "guardian-pause", "--target", "vault"], f.as(f.keys.guardian));
      expect(again.json.targets).to.deep.equal([
        { target: "vault", address: getAddress(f.stack.core4Mica), paused: true, changed: false },
      ]);
    });

    it("guardian-unpause is refused to the guardian (GOVERNANCE's), done by governance", async function () {
      const refused = await f.run(["--json", "operator", "guardian-unpause"], f.as(f.keys.guardian));
      expect(refused.code).to.equal(ExitCode.REFUSED);
      expect(refused.json.error.code).to.equal("ROLE_REQUIRED");
      const r = await f.run(["--json", "operator", "guardian-unpause"], f.as(DEPLOYER_KEY));
      expect(r.code, r.stderr).to.equal(ExitCode.OK);
      const status = await f.run(["--json", "operator", "status"], f.admin);
      expect(status.json.chain.core4Mica.paused).to.equal(false);
      expect(status.json.chain.clearingHouse.paused).to.equal(false);
    });

    it("guardian-pause by an account with no role: exit 5 before any transaction", async function () {
      const nonce = await f.publicClient.getTransactionCount({ address: f.payer.address });
      const r = await f.run(["--json", "operator", "guardian-pause"], f.as(f.keys.payer));
      expect(r.code).to.equal(ExitCode.REFUSED);
      expect(r.json.error.code).to.equal("ROLE_REQUIRED");
      expect(await f.publicClient.getTransactionCount({ address: f.payer.address })).to.equal(nonce);
    });
  });

  describe("exit codes of usage and reachability", function () {
    it("2: a private key as an argument is refused before anything runs", async function () {
      for (const argv of [
        ["payer", "deposit", "ETH", "1", f.keys.payer],
        ["payer", "deposit", "ETH", "1", f.keys.payer.slice(2)],
        ["payer", "deposit", "ETH", "1", `--private-key=${f.keys.payer}`],
        ["--json", "payer", "status", "--key", "x"],
      ]) {
        const r = await f.run(argv, f.base);
        expect(r.code, argv.join(" ")).to.equal(ExitCode.USAGE);
        expect(r.stderr).to.contain("SECRET_IN_ARGUMENTS");
        expect(r.stderr).to.not.contain(f.keys.payer.slice(2));
      }
    });

    it("2: no key, no deployments file, a bad asset, a bad amount, an unknown command, a bad URL", async function () {
      const cases: [string[], Record<string, string>, string][] = [
        [["--json", "payer", "deposit", "ETH", "1"], f.base, "MISSING_KEY"],
        [["--json", "payer", "deposit", "ETH", "1"], { FOURMICA_PRIVATE_KEY: f.keys.payer }, "MISSING_CONFIG"],
        [["--json", "payer", "deposit", "DOGE", "1"], f.as(f.keys.payer), "INVALID_ASSET"],
        [["--json", "payer", "deposit", "ETH", "1.5"], f.as(f.keys.payer), "INVALID_AMOUNT"],
        [["--json", "payer", "nope"], f.base, "USAGE"],
        [["--json", "--core-url", "ftp://x", "operator", "status"], f.base, "INVALID_CONFIG"],
        [["--json", "payer", "status"], { ...f.base, FOURMICA_PRIVATE_KEY: "0x1234" }, "INVALID_CONFIG"],
      ];
      for (const [argv, env, code] of cases) {
        const r = await f.run(argv, env);
        expect(r.code, argv.join(" ")).to.equal(ExitCode.USAGE);
        expect(r.json.error.code, argv.join(" ")).to.equal(code);
      }
    });

    it("4: the RPC does not answer", async function () {
      const r = await cli(["--json", "payer", "status", "--no-core"], {
        env: { ...f.as(f.keys.payer), FOURMICA_RPC_URL: `http://127.0.0.1:${CLOSED_PORT}` },
      });
      expect(r.code).to.equal(ExitCode.UNREACHABLE);
      expect(r.json.error.code).to.equal("UNREACHABLE");
    });

    it("4: Core does not answer", async function () {
      const r = await f.run(["--json", "payer", "pay", cycleId.toString(), "ETH"], {
        ...f.as(f.keys.payer),
        FOURMICA_CORE_URL: `http://127.0.0.1:${CLOSED_PORT}`,
      });
      expect(r.code).to.equal(ExitCode.UNREACHABLE);
    });
  });
  // Last: it changes the vault's operator key, which every certificate above was signed with.
  describe("operator rotate-key (new BLS key through governance)", function () {
    it("2 on a malformed public key; 5 ROTATION_NOT_AUTHORIZED for a key that is not governance's, nothing sent", async function () {
      const bad = await f.run(["--json", "operator", "rotate-key", "--public-key", "0x12"], f.as(DEPLOYER_KEY));
      expect(bad.code).to.equal(ExitCode.USAGE);
      const newKey = (await loadBlsBackend("native")).publicKey(`0x${"33".repeat(32)}`);
      const nonce = await f.publicClient.getTransactionCount({ address: f.payer.address });
      const r = await f.run(["--json", "operator", "rotate-key", "--public-key", newKey], f.as(f.keys.payer));
      expect(r.code, r.stderr).to.equal(ExitCode.REFUSED);
      expect(r.json.error.code).to.equal("ROTATION_NOT_AUTHORIZED");
      expect(await f.publicClient.getTransactionCount({ address: f.payer.address })).to.equal(nonce);
    });

    it("--plan prints the pending calls and sends nothing; governance's key then rotates versions 1 and 2", async function () {
      const newKey = (await loadBlsBackend("native")).publicKey(`0x${"33".repeat(32)}`);
      const governance = privateKeyToAccount(DEPLOYER_KEY).address;
      const nonce = await f.publicClient.getTransactionCount({ address: governance });
      const plan = await f.run(
        ["--json", "operator", "rotate-key", "--public-key", newKey, "--plan", "--governance", governance],
        f.base,
      );
      expect(plan.code, plan.stderr).to.equal(ExitCode.OK);
      expect(plan.json.done).to.equal(false);
      expect(plan.json.versions.map((v: { version: string }) => String(v.version))).to.deep.equal(["1", "2"]);
      expect(await f.publicClient.getTransactionCount({ address: governance })).to.equal(nonce);

      const done = await f.run(["--json", "operator", "rotate-key", "--public-key", newKey], f.as(DEPLOYER_KEY));
      expect(done.code, done.stderr).to.equal(ExitCode.OK);
      expect(done.json.done).to.equal(true);
      for (const version of [1n, 2n]) {
        const config = await f.publicClient.readContract({
          address: f.stack.core4Mica,
          abi: core4MicaAbi,
          functionName: "versionConfig",
          args: [version],
        });
        expect(config.key).to.deep.equal(g1ToEip2537(newKey));
      }
      const again = await f.run(["--json", "operator", "rotate-key", "--public-key", newKey], f.as(DEPLOYER_KEY));
      expect(again.json.versions.map((v: { state: string }) => v.state)).to.deep.equal(["done", "done"]);
    });
  });
});
