import { readFileSync } from "node:fs";

import type { Command } from "commander";
import { createPublicClient, http, isAddress, type Hex, type PublicClient } from "viem";
import { z } from "zod";

import { chainPayerChecks, readChainFacts } from "../../audit/adapters/chainFacts.ts";
import { coreBatchSource, type FetchLike } from "../../audit/adapters/coreBatchSource.ts";
import { createEvidencePool } from "../../audit/adapters/evidencePool.ts";
import { AuditCode, AuditError } from "../../audit/errors.ts";
import { formatVerdict } from "../../audit/formatVerdict.ts";
import { runAudit } from "../../audit/runAudit.ts";

/** Exit codes of the CLI that `audit-cycle` uses. */
export const AuditExit = { MATCH: 0, CONFIG: 2, INVALID_INPUT: 3, UNREACHABLE: 4, MISMATCH: 6 } as const;

export interface AuditCycleIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Replaces Core's HTTP client (tests feed altered pages through it). */
  fetch?: FetchLike;
  /** Replaces the RPC client built from `--rpc`. */
  client?: PublicClient;
}

export interface AuditCycleFlags {
  core?: string;
  rpc?: string;
  clearingHouse?: string;
  deployment?: string;
  fromBlock?: string;
  pageSize?: string;
  workers?: string;
  allowUnpublishedPayerSignatures?: boolean;
  json?: boolean;
}

class ConfigError extends Error {}

const decimal = z.string().regex(/^[0-9]{1,78}$/, "must be a decimal integer");

/**
 * `audit-cycle <cycle> <asset>`: runs the audit and returns the exit code (0 match, 2 usage or configuration, 3
 * invalid input or no published batch, 4 Core or the RPC node unreachable, 6 mismatch). Human output on stdout, or
 * the verdict as one JSON document with `--json`; progress on stderr.
 */
export async function auditCycle(
  cycle: string,
  asset: string,
  flags: AuditCycleFlags,
  io: AuditCycleIo,
): Promise<number> {
  const fail = (code: number, message: string, extra: Record<string, unknown> = {}) => {
    if (flags.json) io.stdout(JSON.stringify({ verdict: "error", code, message, ...extra }) + "\n");
    else io.stderr(`audit-cycle: ${message}\n`);
    return code;
  };
  let pool: ReturnType<typeof createEvidencePool> | undefined;
  try {
    const cycleId = BigInt(
      decimal.parse(cycle, { error: () => `cycle ${JSON.stringify(cycle)} is not a decimal integer` }),
    );
    if (!isAddress(asset, { strict: false }))
      throw new AuditError(AuditCode.INVALID_INPUT, `asset ${JSON.stringify(asset)} is not an address`);
    const coreUrl = flags.core ?? io.env.FOURMICA_CORE_URL;
    const rpcUrl = flags.rpc ?? io.env.FOURMICA_RPC_URL;
    let clearingHouse = flags.clearingHouse ?? io.env.FOURMICA_CLEARING_HOUSE_ADDRESS;
    let fromBlock = flags.fromBlock === undefined ? undefined : BigInt(decimal.parse(flags.fromBlock));
    if (flags.deployment) {
      let record: { clearingHouse?: string; startBlock?: string };
      try {
        record = JSON.parse(readFileSync(flags.deployment, "utf8")) as typeof record;
      } catch (cause) {
        throw new ConfigError(`cannot read the deployment record ${flags.deployment}: ${(cause as Error).message}`);
      }
      clearingHouse ??= record.clearingHouse;
      if (fromBlock === undefined && record.startBlock !== undefined) fromBlock = BigInt(record.startBlock);
    }
    if (!coreUrl) throw new ConfigError("set --core <url> (or FOURMICA_CORE_URL): Core's API base URL");
    if (!rpcUrl && !io.client)
      throw new ConfigError("set --rpc <url> (or FOURMICA_RPC_URL): a JSON-RPC node of the chain");
    if (!clearingHouse) {
      throw new ConfigError(
        "set --clearing-house <address>, FOURMICA_CLEARING_HOUSE_ADDRESS or --deployment <file>: the audit trusts the chain, not Core, for it",
      );
    }
    if (!isAddress(clearingHouse, { strict: false }))
      throw new ConfigError(`clearing house ${clearingHouse} is not an address`);
    const pageSize = flags.pageSize === undefined ? undefined : Number(decimal.parse(flags.pageSize));
    const workers = flags.workers === undefined ? undefined : Number(decimal.parse(flags.workers));
    const client = io.client ?? (createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) }) as PublicClient);
    const assetHex = asset.toLowerCase() as Hex;

    const batch = coreBatchSource({ coreUrl, cycleId, asset: assetHex, pageSize, fetch: io.fetch });
    const published = await batch.cycle();
    io.stderr(
      `audit-cycle: cycle ${cycleId} of ${assetHex}: ${published.batch.guaranteeCount} guarantees published, reading the chain\n`,
    );
    const chain = await readChainFacts(client, {
      clearingHouse: clearingHouse.toLowerCase() as Hex,
      cycleId,
      asset: assetHex,
      commitBlockHint: published.batch.commitBlock,
      fromBlock,
    });
    pool = createEvidencePool(workers);
    const verdict = await runAudit(
      { batch: { ...batch, cycle: async () => published }, chain, payers: chainPayerChecks(client), evidence: pool },
      {
        cycleId,
        asset: assetHex,
        allowUnpublishedPayerSignatures: flags.allowUnpublishedPayerSignatures,
        progress: (line) => io.stderr(`audit-cycle: ${line}\n`),
      },
    );
    io.stdout(flags.json ? JSON.stringify(verdict) + "\n" : formatVerdict(verdict) + "\n");
    return verdict.verdict === "match" ? AuditExit.MATCH : AuditExit.MISMATCH;
  } catch (e) {
    if (e instanceof ConfigError) return fail(AuditExit.CONFIG, e.message);
    if (e instanceof z.ZodError) return fail(AuditExit.INVALID_INPUT, e.issues[0]?.message ?? "invalid input");
    if (e instanceof AuditError) {
      const code = e.code === AuditCode.UNREACHABLE ? AuditExit.UNREACHABLE : AuditExit.INVALID_INPUT;
      return fail(code, e.message, { error: e.code });
    }
    throw e;
  } finally {
    await pool?.close();
  }
}

/** Registers `audit-cycle <cycle> <asset>` on `program`; the action sets `process.exitCode`. */
export function registerAuditCycle(program: Command): void {
  program
    .command("audit-cycle")
    .description(
      "Audit a committed (cycle, asset) from Core's published batch and the chain alone: every certificate and payer signature, every position, the batch hash and the Merkle root, against the on-chain commit",
    )
    .argument("<cycle>", "cycle id (decimal)")
    .argument("<asset>", "asset address (0x0000000000000000000000000000000000000000 for ETH)")
    .option("--core <url>", "Core's API base URL (env FOURMICA_CORE_URL)")
    .option("--rpc <url>", "JSON-RPC URL of the chain (env FOURMICA_RPC_URL)")
    .option("--clearing-house <address>", "the ClearingHouse (env FOURMICA_CLEARING_HOUSE_ADDRESS)")
    .option("--deployment <file>", "a deployments/<network>.json record to take the ClearingHouse and start block from")
    .option("--from-block <n>", "first block of the CycleCommitted log scan (default: the record's startBlock, else 0)")
    .option("--page-size <n>", "guarantees per batch page (1 to 10,000; default 5,000)")
    .option("--workers <n>", "signature-checking threads (default: one per core; 0 checks on the main thread)")
    .option(
      "--allow-unpublished-payer-signatures",
      "count guarantees whose payer signature is published nowhere as unverified instead of as differences",
    )
    .option("--json", "print the verdict as one JSON document")
    .action(async (cycle: string, asset: string, flags: AuditCycleFlags) => {
      process.exitCode = await auditCycle(cycle, asset, flags, {
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        env: process.env,
      });
    });
}
