/**
 * Real processes for the slow adversarial tests: an anvil chain (node_modules/.bin/anvil, Prague rules) on a
 * loopback port of this harness, the stack deployed on it, and Core replicas as child processes
 * (scripts/testing/coreProcess.ts) that follow it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { network } from "hardhat";
import { parseAbi, zeroAddress, type Address, type PublicClient } from "viem";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { BLS_SK } from "../core/fixtures.ts";

const ANVIL = join(process.cwd(), "node_modules", ".bin", "anvil");
const children = new Set<ChildProcess>();

/** Kills every child still running (the suites' `after`); anvil with its process group (see startChain). */
export function killAll(): void {
  for (const c of children) {
    try {
      if (groups.has(c) && c.pid !== undefined) process.kill(-c.pid, "SIGKILL");
      else c.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
const groups = new WeakSet<ChildProcess>();

export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function exited(child: ChildProcess, ms = 30_000): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("child did not exit in time")), ms);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

const vaultAbi = parseAbi([
  "function depositFor(address payer, address asset, uint256 amount) payable",
  "function collateral(address user, address asset) view returns (uint256)",
]);

/** anvil on `port`, the stack deployed on it (ETH collateral only), and a deployments file for Core. */
export async function startChain(port: number) {
  const rpcUrl = `http://127.0.0.1:${port}`;
  // node_modules/.bin/anvil is a Node wrapper that spawns the native binary: run it as a process group leader and
  // stop the whole group, or the binary outlives the wrapper and keeps the port.
  const anvil = spawn(ANVIL, ["--port", String(port), "--host", "127.0.0.1", "--hardfork", "prague", "--silent"], {
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  children.add(anvil);
  groups.add(anvil);
  anvil.once("exit", () => children.delete(anvil));
  await until("anvil", async () => {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return res.ok ? true : undefined;
  });
  // A busy port makes this anvil exit while another answers on it: refuse to test against a stranger's chain.
  await new Promise((r) => setTimeout(r, 300));
  if (anvil.exitCode !== null || anvil.signalCode !== null) throw new Error(`anvil on ${port} exited: port in use?`);
  const { viem } = await network.create({ network: "localhost", override: { url: rpcUrl } });
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [admin] = await viem.getWalletClients();
  const stack = await deployStack(viem, {
    blsPublicKey: (await loadBlsBackend("auto")).publicKey(BLS_SK),
    operator: admin!.account.address,
    tokens: [],
    validationRegistries: [],
  });
  const dir = mkdtempSync(join(tmpdir(), "4mica-adversarial-"));
  const deploymentsFile = join(dir, "localhost.json");
  writeFileSync(deploymentsFile, JSON.stringify({ network: "localhost", ...stack }, null, 2));

  /** An ETH deposit for `payer`, paid by the deployer, mined before it returns. */
  async function depositFor(payer: Address, amount: bigint) {
    const hash = await admin!.writeContract({
      address: stack.core4Mica,
      abi: vaultAbi,
      functionName: "depositFor",
      args: [payer, zeroAddress, amount],
      value: amount,
    } as never);
    await publicClient.waitForTransactionReceipt({ hash });
  }
  const collateralOf = (payer: Address) =>
    publicClient.readContract({
      address: stack.core4Mica,
      abi: vaultAbi,
      functionName: "collateral",
      args: [payer, zeroAddress],
    }) as Promise<bigint>;

  async function stop() {
    try {
      process.kill(-anvil.pid!, "SIGTERM");
    } catch {
      // Already gone.
    }
    await exited(anvil).catch(() => process.kill(-anvil.pid!, "SIGKILL"));
    rmSync(dir, { recursive: true, force: true });
  }
  return { rpcUrl, stack, deploymentsFile, depositFor, collateralOf, stop };
}

export type Chain = Awaited<ReturnType<typeof startChain>>;

/** A Core replica following `chain` on the PostgreSQL at `dbUrl`, with sync in the background. */
export function coreEnv(chain: Chain, dbUrl: string, port: number): Record<string, string> {
  return {
    FOURMICA_DATABASE_URL: dbUrl,
    FOURMICA_DEPLOYMENTS_FILE: chain.deploymentsFile,
    FOURMICA_RPC_URL: chain.rpcUrl,
    FOURMICA_BLS_SECRET_KEY: BLS_SK,
    FOURMICA_CONFIRMATIONS: "0",
    FOURMICA_SYNC_INTERVAL_MS: "100",
    FOURMICA_HTTP_PORT: String(port),
    FOURMICA_FRESHNESS_PAST_SECONDS: "3600",
    FOURMICA_TEST_BACKGROUND: "1",
    FOURMICA_LOG_LEVEL: "silent",
  };
}

/** Starts scripts/testing/coreProcess.ts; resolves with its URL once it listens. */
export function spawnCore(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/testing/coreProcess.ts"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.add(child);
    child.once("exit", (code, signal) => {
      children.delete(child);
      reject(new Error(`core process exited (${code ?? signal}) before listening`));
    });
    createInterface({ input: child.stdout! }).once("line", (line) =>
      resolve({ child, url: JSON.parse(line).url as string }),
    );
  });
}

export async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/core/guarantees`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** What Core's books say of a payer's ETH: deposited, locked, and the sum of its lock-holding guarantees. */
export async function books(db: Database, payer: Address) {
  const { rows } = await db.query<{ deposited: string; locked: string; open: string }>(
    `SELECT coalesce((SELECT deposited FROM balances WHERE user_address = $1 AND asset = $2), 0)::text AS deposited,
            coalesce((SELECT locked FROM balances WHERE user_address = $1 AND asset = $2), 0)::text AS locked,
            coalesce((SELECT sum(amount) FROM guarantees WHERE user_address = $1 AND asset = $2 AND lock_held), 0)::text
              AS open`,
    [payer.toLowerCase(), zeroAddress],
  );
  const r = rows[0]!;
  return { deposited: BigInt(r.deposited), locked: BigInt(r.locked), open: BigInt(r.open) };
}
