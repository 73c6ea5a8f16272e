import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

import { expect } from "chai";

import { BLS_SK, CHAIN_ID, CORE4MICA } from "./fixtures.ts";

/** The documented supervisor command (docs/operations.md): node itself, so that Core receives the signals. */
const COMMAND = [process.execPath, "offchain/src/core/main.ts"];
const PORT = 19_117;

describe("node offchain/src/core/main.ts under a supervisor", function () {
  this.timeout(60_000);

  it("is the process that receives SIGTERM: it logs the shutdown, closes the server and exits 0", async function () {
    const child = spawn(COMMAND[0]!, COMMAND.slice(1), {
      env: {
        PATH: process.env.PATH,
        FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
        FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
        FOURMICA_BLS_SECRET_KEY: BLS_SK,
        FOURMICA_DATA_DIR: "memory",
        FOURMICA_HTTP_PORT: String(PORT),
        FOURMICA_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const messages: string[] = [];
    const listening = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const msg = (JSON.parse(line) as { msg?: string }).msg ?? "";
        messages.push(msg);
        if (msg === "core listening") resolve();
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before listening`)));
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    await listening;
    const health = await fetch(`http://127.0.0.1:${PORT}/core/health`);
    expect(health.status).to.equal(200);

    expect(child.kill("SIGTERM")).to.equal(true);
    const { code, signal } = await exited;
    // A process killed by the signal (no handler) would report signal SIGTERM and code null.
    expect({ code, signal }).to.deep.equal({ code: 0, signal: null });
    expect(messages).to.include("shutting down");
    let refused = false;
    try {
      await fetch(`http://127.0.0.1:${PORT}/core/health`);
    } catch {
      refused = true;
    }
    expect(refused).to.equal(true);
  });
});
