import type { Command } from "commander";
import { zeroAddress, type Address } from "viem";

import type { CollateralBalance } from "../../sdk/core/coreClient.ts";
import { deposit } from "../../sdk/payer/deposit.ts";
import { authorizeNetDebitSettlement } from "../../sdk/payer/authorizeNetDebitSettlement.ts";
import { payNetDebit } from "../../sdk/payer/payNetDebit.ts";
import {
  cancelWithdrawal,
  finalizeWithdrawal,
  getCollateral,
  getWithdrawal,
  requestWithdrawal,
} from "../../sdk/payer/withdrawals.ts";
import type { CliContext } from "../context.ts";
import { classify, refusedError } from "../errors.ts";
import { assetName, parseAmount, parseAsset, parseCycleId } from "../parse.ts";

/** Payers: `deposit`, `withdraw request|cancel|finalize`, `pay` a cycle's net debit, `status`. */
export function registerPayer(program: Command, ctx: CliContext): void {
  const payer = program.command("payer").description("payers (agents): deposit, withdraw, pay, status");

  payer
    .command("deposit")
    .description("deposit collateral: ETH, or an ERC-20 (approving the vault first when the allowance is short)")
    .argument("<asset>", "ETH, a token symbol of the deployment, or an address")
    .argument("<amount>", "base units (wei, or the token's smallest unit)")
    .action(async (assetArg: string, amountArg: string) => {
      const out = ctx.output();
      const { core4Mica, tokens } = await ctx.deployment();
      const asset = parseAsset(assetArg, tokens);
      const amount = parseAmount(amountArg);
      const wallet = await ctx.wallet();
      out.progress(`depositing ${amount} ${assetName(asset, tokens)} into ${core4Mica}`);
      const r = await deposit(wallet, { vault: core4Mica, asset, amount });
      const collateral = await getCollateral(wallet, { vault: core4Mica, user: wallet.account.address, asset });
      out.result({
        payer: wallet.account.address,
        asset: assetName(asset, tokens),
        amount,
        txHash: r.hash,
        approvalTxHash: r.approvalHash,
        collateral,
      });
    });

  const withdraw = payer
    .command("withdraw")
    .description("delayed withdrawals: request, cancel, finalize after the vault's delay");

  withdraw
    .command("request")
    .description("ask to withdraw (Core counts it as unavailable at once; finalize after the delay)")
    .argument("<asset>", "ETH, a token symbol or an address")
    .argument("<amount>", "base units")
    .action(async (assetArg: string, amountArg: string) => {
      const { core4Mica, tokens } = await ctx.deployment();
      const asset = parseAsset(assetArg, tokens);
      const amount = parseAmount(amountArg);
      const wallet = await ctx.wallet();
      const hash = await requestWithdrawal(wallet, { vault: core4Mica, asset, amount });
      const w = await getWithdrawal(wallet, { vault: core4Mica, user: wallet.account.address, asset });
      ctx.output().result({
        payer: wallet.account.address,
        asset: assetName(asset, tokens),
        amount: w.amount,
        requestedAt: w.requestedAt,
        finalizableAt: w.finalizableAt,
        txHash: hash,
      });
    });

  withdraw
    .command("cancel")
    .description("cancel the pending withdrawal of an asset")
    .argument("<asset>", "ETH, a token symbol or an address")
    .action(async (assetArg: string) => {
      const { core4Mica, tokens } = await ctx.deployment();
      const asset = parseAsset(assetArg, tokens);
      const wallet = await ctx.wallet();
      await pendingOrRefuse(ctx, wallet.account.address, asset);
      const hash = await cancelWithdrawal(wallet, { vault: core4Mica, asset });
      ctx.output().result({ payer: wallet.account.address, asset: assetName(asset, tokens), txHash: hash });
    });

  withdraw
    .command("finalize")
    .description("finalize the pending withdrawal once the delay has passed")
    .argument("<asset>", "ETH, a token symbol or an address")
    .action(async (assetArg: string) => {
      const { core4Mica, tokens } = await ctx.deployment();
      const asset = parseAsset(assetArg, tokens);
      const wallet = await ctx.wallet();
      const w = await pendingOrRefuse(ctx, wallet.account.address, asset);
      const now = (await (await ctx.publicClient()).getBlock()).timestamp;
      if (now < w.finalizableAt) {
        throw refusedError(
          "WITHDRAWAL_NOT_READY",
          `the withdrawal of ${w.amount} ${assetName(asset, tokens)} can be finalized at ${w.finalizableAt} (chain time ${now})`,
          { finalizableAt: w.finalizableAt.toString(), now: now.toString() },
        );
      }
      const hash = await finalizeWithdrawal(wallet, { vault: core4Mica, asset });
      ctx.output().result({
        payer: wallet.account.address,
        asset: assetName(asset, tokens),
        requested: w.amount,
        txHash: hash,
      });
    });

  payer
    .command("pay")
    .description("pay your net debit of a committed cycle with Core's position and proof")
    .argument("<cycle>", "cycle id")
    .argument("<asset>", "ETH, a token symbol or an address")
    .action(async (cycleArg: string, assetArg: string) => {
      const out = ctx.output();
      const cycleId = parseCycleId(cycleArg);
      const { clearingHouse, tokens } = await ctx.deployment();
      const asset = parseAsset(assetArg, tokens);
      const wallet = await ctx.wallet();
      const position = await ctx.core().position(cycleId, asset, wallet.account.address);
      out.progress(`paying ${position.amount} ${assetName(asset, tokens)} for cycle ${cycleId}`);
      const r = await payNetDebit(wallet, { clearingHouse, position });
      out.result({
        cycleId,
        asset: assetName(asset, tokens),
        debtor: wallet.account.address,
        amount: position.amount,
        txHash: r.hash,
        approvalTxHash: r.approvalHash,
      });
    });

  payer
    .command("settle-from-collateral")
    .description(
      "authorize Core to pay your net debit of a committed cycle from your vault collateral (one EIP-712 signature, no transaction)",
    )
    .requiredOption("--cycle <cycle>", "cycle id")
    .requiredOption("--asset <asset>", "ETH, a token symbol or an address")
    .action(async (o: { cycle: string; asset: string }) => {
      const out = ctx.output();
      const cycleId = parseCycleId(o.cycle);
      const { clearingHouse, tokens, chainId } = await ctx.deployment();
      const asset = parseAsset(o.asset, tokens);
      const wallet = await ctx.wallet();
      out.progress(`signing the settlement of cycle ${cycleId} from collateral`);
      const s = await authorizeNetDebitSettlement(wallet, {
        core: ctx.core(),
        cycleId,
        asset,
        clearingHouse,
        chainId: BigInt(chainId),
      });
      out.result({
        cycleId,
        asset: assetName(asset, tokens),
        debtor: s.debtor,
        amount: s.amount,
        status: s.status,
        txHash: s.txHash,
      });
    });

  payer
    .command("status")
    .description("your collateral per asset: on-chain, pending withdrawals, and Core's locks (SIWE sign-in)")
    .option("--no-core", "chain only (no Core sign-in)")
    .action(async (options: { core: boolean }) => {
      const { core4Mica, tokens } = await ctx.deployment();
      const wallet = await ctx.wallet();
      const user = wallet.account.address;
      const assets: Address[] = [zeroAddress, ...tokens.map((t) => t.address)];
      let core: CollateralBalance[] | undefined;
      let coreError: string | undefined;
      if (options.core && ctx.settings().coreUrl) {
        const client = ctx.core();
        try {
          await client.signIn(wallet.account);
          core = await client.collateral(user);
        } catch (e) {
          const r = classify(e);
          coreError = `${r.name}: ${r.message}`;
        }
      }
      const rows = await Promise.all(
        assets.map(async (asset) => {
          const [collateral, w] = await Promise.all([
            getCollateral(wallet, { vault: core4Mica, user, asset }),
            getWithdrawal(wallet, { vault: core4Mica, user, asset }),
          ]);
          const c = core?.find((b) => b.asset.toLowerCase() === asset.toLowerCase());
          return {
            asset: assetName(asset, tokens),
            address: asset,
            collateral,
            pendingWithdrawal: w.amount,
            finalizableAt: w.finalizableAt,
            ...(c ? { core: { locked: c.locked, available: c.available } } : {}),
          };
        }),
      );
      ctx.output().result({ payer: user, assets: rows, ...(coreError ? { coreError } : {}) });
    });
}

async function pendingOrRefuse(ctx: CliContext, user: Address, asset: Address) {
  const { core4Mica, tokens } = await ctx.deployment();
  const w = await getWithdrawal(await ctx.publicClient(), { vault: core4Mica, user, asset });
  if (w.amount === 0n) {
    throw refusedError("NO_PENDING_WITHDRAWAL", `${user} has no pending withdrawal of ${assetName(asset, tokens)}`);
  }
  return w;
}
