/**
 * An anvil node (`@foundry-rs/anvil` from npm) owned by a bench: started on a given port, stopped with the bench.
 * anvil runs under a small shell watchdog that reads our stdin pipe: when this process ends in any way (even
 * SIGKILL from bench/run.ts's timeout), the pipe closes and the watchdog kills anvil, so no node is left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface Anvil {
  url: string;
  /** One JSON-RPC call; throws on a JSON-RPC error. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Mine a block on each transaction (setup, gas measurement). */
  automine(): Promise<void>;
  /** Back to a block every `seconds` (the latency measurement). */
  intervalMining(seconds: number): Promise<void>;
  /** The next block's timestamp is `t`; mines it. */
  mineAt(t: bigint): Promise<void>;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
/** The native binary of the platform package (the npm `anvil` bin is a node wrapper that would outlive a kill). */
const arch = process.arch === "x64" ? "amd64" : process.arch;
const anvilBin = join(
  dirname(require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`)),
  "bin",
  "anvil",
);

export async function startAnvil(o: { port: number; blockTime: number; hardfork?: string }): Promise<Anvil> {
  const args = ["--port", String(o.port), "--block-time", String(o.blockTime), "--hardfork", o.hardfork ?? "prague"];
  args.push("--silent", "--accounts", "4", "--balance", "1000000", "--gas-limit", "60000000");
  const child: ChildProcess = spawn(
    "sh",
    ["-c", '"$0" "$@" & pid=$!; read _ignored; kill "$pid" 2>/dev/null; wait "$pid"', anvilBin, ...args],
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stopNow = () => child.stdin?.end();
  process.once("exit", stopNow);

  const url = `http://127.0.0.1:${o.port}`;
  let id = 0;
  async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  }
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await rpc("eth_chainId");
      break;
    } catch (e) {
      if (child.exitCode !== null || Date.now() > deadline) {
        stopNow();
        throw new Error(`anvil did not start on port ${o.port}: ${stderr.trim() || String(e)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    rpc,
    automine: async () => void (await rpc("evm_setAutomine", [true])),
    intervalMining: async (seconds) => void (await rpc("evm_setIntervalMining", [seconds])),
    async mineAt(t) {
      await rpc("evm_setNextBlockTimestamp", [`0x${t.toString(16)}`]);
      await rpc("evm_mine");
    },
    async stop() {
      process.removeListener("exit", stopNow);
      stopNow();
      await exited;
    },
  };
}
