import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

import type { Command } from "commander";
import type { Hex } from "viem";

import { decodeEnvelope } from "../../protocol/decodeEnvelope.ts";
import { claimNetCredit } from "../../sdk/recipient/claimNetCredit.ts";
import { remunerate, remunerateBatch } from "../../sdk/recipient/remunerate.ts";
import { remunerationStatus, type RemunerationStatus } from "../../sdk/recipient/remunerationStatus.ts";
import { expectedFromRequest, verifyCertificate } from "../../sdk/recipient/verifyCertificate.ts";
import { parseCertificateFile, type CertificateItem } from "../certificateFile.ts";
import type { CliContext } from "../context.ts";
import { classify, inputError, refusedAfterResult, usageError } from "../errors.ts";
import { ExitCode } from "../exitCodes.ts";
import { assetName, parseAsset, parseCycleId } from "../parse.ts";

/** Reads a certificate file, or every `*.json` file of a directory (sorted by name). Exit 3 when unreadable. */
export async function loadCertificates(path: string): Promise<CertificateItem[]> {
  let files: string[];
  try {
    files = (await stat(path)).isDirectory()
      ? (await readdir(path))
          .filter((f) => f.endsWith(".json"))
          .sort()
          .map((f) => join(path, f))
      : [path];
  } catch (e) {
    throw inputError("UNREADABLE_FILE", `cannot read ${path}: ${(e as Error).message}`, { file: path });
  }
  if (files.length === 0) throw inputError("INVALID_CERTIFICATE_FILE", `${path} holds no .json file`, { file: path });
  const items: CertificateItem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw inputError("UNREADABLE_FILE", `cannot read ${file}: ${(e as Error).message}`, { file });
    }
    items.push(...parseCertificateFile(text, file));
  }
  return items;
}

/** Verifies each certificate as the vault would (BLS key, domain, envelope; the file's guarantee id if given). */
async function verifyAll(ctx: CliContext, items: CertificateItem[]) {
  const client = await ctx.publicClient();
  const { core4Mica } = await ctx.deployment();
  for (const item of items) {
    let own;
    try {
      own = decodeEnvelope(item.claims);
    } catch (e) {
      throw inputError("CERTIFICATE_MALFORMED", `${item.source}: claims do not decode (${(e as Error).message})`, {
        file: item.source,
      });
    }
    try {
      await verifyCertificate(client, {
        vault: core4Mica,
        certificate: item,
        expected: expectedFromRequest(own, item.guaranteeId ? { guaranteeId: item.guaranteeId } : {}),
      });
    } catch (e) {
      const r = classify(e);
      if (r.exitCode !== ExitCode.INVALID_INPUT) throw e;
      throw inputError(r.code, `${item.source}: ${r.message}`, { file: item.source, ...r.details }, e);
    }
  }
}

function statusJson(source: string, s: RemunerationStatus, tokens: Parameters<typeof assetName>[1]) {
  return {
    source,
    guaranteeId: s.guaranteeId,
    version: s.guarantee.version,
    cycleId: s.guarantee.cycleId,
    payer: s.guarantee.user,
    recipient: s.guarantee.recipient,
    asset: assetName(s.guarantee.asset, tokens),
    amount: s.guarantee.amount,
    route: s.route,
    consumed: s.consumed,
    netted: s.netted,
    opensAt: s.opensAt,
    closesAt: s.closesAt,
    remunerableNow: s.remunerableNow,
    reason: s.reason,
  };
}

/** Recipients: `remunerate` certificates on-chain (batched), `claim` a net credit, list what is `owed`. */
export function registerRecipient(program: Command, ctx: CliContext): void {
  const recipient = program.command("recipient").description("recipients (sellers): remunerate, claim, owed");

  recipient
    .command("remunerate")
    .description(
      "remunerate certificates on-chain from the payers' collateral: V2 after validation, V1 after a missed cycle (fallback)",
    )
    .argument("<path>", "a certificate file (JSON: claims, signature, payerSignature) or a directory of them")
    .option("--batch-size <n>", "certificates per remunerateBatch transaction", "16")
    .option("--dry-run", "verify and report, send nothing")
    .action(async (path: string, options: { batchSize: string; dryRun?: boolean }) => {
      const out = ctx.output();
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 256) {
        throw usageError("INVALID_OPTION", `--batch-size ${options.batchSize} is not an integer from 1 to 256`);
      }
      const items = await loadCertificates(path);
      out.progress(`verifying ${items.length} certificate(s)`);
      await verifyAll(ctx, items);
      const client = await ctx.publicClient();
      const { core4Mica, tokens } = await ctx.deployment();
      const statuses = await Promise.all(
        items.map((i) => remunerationStatus(client, { vault: core4Mica, claims: i.claims })),
      );
      const results = items.map((item, i) => ({
        ...statusJson(item.source, statuses[i]!, tokens),
        outcome: statuses[i]!.remunerableNow ? "PENDING" : "SKIPPED",
        txHash: undefined as Hex | undefined,
        error: undefined as string | undefined,
      }));
      const ready = results.map((r, i) => ({ r, item: items[i]! })).filter(({ r }) => r.remunerableNow);
      if (!options.dryRun && ready.length > 0) {
        const wallet = await ctx.wallet();
        // One version per batch (the vault checks one aggregate signature per version's key).
        const byVersion = new Map<number, typeof ready>();
        for (const x of ready) byVersion.set(x.r.version, [...(byVersion.get(x.r.version) ?? []), x]);
        const batches = [...byVersion.values()].flatMap((group) =>
          Array.from({ length: Math.ceil(group.length / batchSize) }, (_, k) =>
            group.slice(k * batchSize, (k + 1) * batchSize),
          ),
        );
        for (const [n, batch] of batches.entries()) {
          out.progress(`remunerating batch ${n + 1}/${batches.length} (${batch.length} certificate(s))`);
          try {
            if (batch.length === 1) {
              const { hash } = await remunerate(wallet, {
                vault: core4Mica,
                certificate: batch[0]!.item,
                payerSignature: batch[0]!.item.payerSignature,
              });
              Object.assign(batch[0]!.r, { outcome: "REMUNERATED", txHash: hash });
            } else {
              const { hash } = await remunerateBatch(wallet, {
                vault: core4Mica,
                items: batch.map(({ item }) => ({ certificate: item, payerSignature: item.payerSignature })),
              });
              for (const { r } of batch) Object.assign(r, { outcome: "REMUNERATED", txHash: hash });
            }
          } catch (e) {
            const failure = classify(e);
            if (failure.exitCode === ExitCode.UNREACHABLE) throw e;
            if (batch.length === 1) {
              Object.assign(batch[0]!.r, { outcome: "FAILED", error: failure.name });
              continue;
            }
            // One bad certificate must not hold back the others: send this batch's certificates one by one.
            out.progress(`batch ${n + 1} reverted (${failure.name}); sending its certificates one by one`);
            for (const { r, item } of batch) {
              try {
                const { hash } = await remunerate(wallet, {
                  vault: core4Mica,
                  certificate: item,
                  payerSignature: item.payerSignature,
                });
                Object.assign(r, { outcome: "REMUNERATED", txHash: hash });
              } catch (e2) {
                const f2 = classify(e2);
                if (f2.exitCode === ExitCode.UNREACHABLE) throw e2;
                Object.assign(r, { outcome: "FAILED", error: f2.name });
              }
            }
          }
        }
      }
      if (options.dryRun) for (const r of results) if (r.outcome === "PENDING") r.outcome = "READY";
      const count = (o: string) => results.filter((r) => r.outcome === o).length;
      const summary = {
        total: results.length,
        remunerated: count("REMUNERATED"),
        ready: count("READY"),
        skipped: count("SKIPPED"),
        failed: count("FAILED"),
      };
      out.result(
        { summary, certificates: results },
        [
          `${summary.remunerated} remunerated, ${summary.ready} ready (dry run), ${summary.skipped} skipped, ${summary.failed} failed of ${summary.total}`,
          ...results.map(
            (r) =>
              `  ${r.outcome.padEnd(11)} ${r.guaranteeId} ${r.amount} ${r.asset} ${r.route}${r.txHash ? ` tx ${r.txHash}` : ""}${r.reason && r.outcome === "SKIPPED" ? ` (${r.reason})` : ""}${r.error ? ` (${r.error})` : ""}`,
          ),
        ].join("\n"),
      );
      if (summary.skipped + summary.failed > 0) {
        throw refusedAfterResult(
          "NOT_ALL_REMUNERATED",
          `${summary.skipped} skipped and ${summary.failed} failed of ${summary.total} certificate(s)`,
        );
      }
    });

  recipient
    .command("claim")
    .description("claim your net credit of a committed cycle with Core's position and proof")
    .argument("<cycle>", "cycle id")
    .argument("<asset>", "ETH, a token symbol of the deployment, or an address")
    .action(async (cycleArg: string, assetArg: string) => {
      const out = ctx.output();
      const cycleId = parseCycleId(cycleArg);
      const { clearingHouse, tokens } = await ctx.deployment();
      const asset = parseAsset(assetArg, tokens);
      const wallet = await ctx.wallet();
      const position = await ctx.core().position(cycleId, asset, wallet.account.address);
      out.progress(`claiming ${position.amount} ${assetName(asset, tokens)} of cycle ${cycleId}`);
      const { hash } = await claimNetCredit(wallet, { clearingHouse, position });
      out.result({
        cycleId,
        asset: assetName(asset, tokens),
        creditor: wallet.account.address,
        amount: position.amount,
        txHash: hash,
      });
    });

  recipient
    .command("owed")
    .description("what your certificates are still owed, and which you can remunerate now")
    .argument("<path>", "a certificate file or a directory of them")
    .action(async (path: string) => {
      const out = ctx.output();
      const items = await loadCertificates(path);
      const client = await ctx.publicClient();
      const { core4Mica, tokens } = await ctx.deployment();
      const statuses = await Promise.all(
        items.map((i) => remunerationStatus(client, { vault: core4Mica, claims: i.claims })),
      );
      const rows = statuses.map((s, i) => statusJson(items[i]!.source, s, tokens));
      // As the SDK's listOwed: neither paid, nor netted in a committed cycle (owed as the net credit), nor expired.
      const now = (await client.getBlock()).timestamp;
      const owed = rows.filter((r) => !r.consumed && !r.netted && now < r.closesAt);
      const totals: Record<string, bigint> = {};
      for (const r of owed) totals[r.asset] = (totals[r.asset] ?? 0n) + r.amount;
      const remunerableNow = owed.filter((r) => r.remunerableNow).length;
      out.result(
        { total: rows.length, owedCount: owed.length, remunerableNow, totals, owed },
        [
          `${owed.length} of ${rows.length} certificate(s) owed, ${remunerableNow} remunerable now`,
          ...Object.entries(totals).map(([a, v]) => `  total ${v} ${a}`),
          ...owed.map((r) => `  ${r.guaranteeId} ${r.amount} ${r.asset} ${r.route} ${r.reason ?? "remunerable now"}`),
        ].join("\n"),
      );
    });
}
