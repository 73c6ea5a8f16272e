/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (one after the other, so they do not compete for
 * the cores), writes each one's JSON to bench/results/<name>.json and a markdown report of all of them to
 * bench/results/summary.md, and prints a summary JSON on stdout. `npm run bench -- netting issuance` runs only the
 * benches named. A bench that fails, prints no JSON or runs past its timeout is reported with its error; the exit
 * code is then 1. The timeout is BENCH_TIMEOUT_SECONDS when set (for every bench), else the bench's own
 * `@bench-timeout-seconds N` tag in its first 4 KB (for the benches that drive a real chain), else 180 s. Each bench
 * runs in its own process group, killed whole on timeout, so that the nodes or servers it started go with it.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";

import { benchReport } from "./support/markdown.ts";

const dir = new URL("./", import.meta.url);
const resultsDir = new URL("./results/", dir);
const DEFAULT_TIMEOUT_SECONDS = 180;

async function timeoutSecondsOf(file: string): Promise<number> {
  if (process.env.BENCH_TIMEOUT_SECONDS !== undefined) return Number(process.env.BENCH_TIMEOUT_SECONDS);
  const head = (await readFile(new URL(file, dir), "utf8")).slice(0, 4096);
  const tag = /@bench-timeout-seconds\s+(\d+)/.exec(head);
  return tag ? Number(tag[1]) : DEFAULT_TIMEOUT_SECONDS;
}

/** The running bench's process group: killed whole on its timeout, or when this runner is interrupted. */
let running: number | undefined;
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (running !== undefined) killGroup(running);
    process.exit(130);
  });
}

async function runBench(file: string): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
  const timeoutMs = (await timeoutSecondsOf(file)) * 1000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [new URL(file, dir).pathname], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    running = child.pid;
    const timer = setTimeout(() => child.pid !== undefined && killGroup(child.pid), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      if (code !== 0) return resolve({ ok: false, error: `exit ${code ?? signal}: ${err.trim().slice(-2000)}` });
      try {
        resolve({ ok: true, result: JSON.parse(out) });
      } catch {
        resolve({ ok: false, error: `no JSON on stdout: ${out.slice(0, 200)}` });
      }
    });
  });
}

const only = process.argv.slice(2);
const benches = (await readdir(dir))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.includes(f.slice(0, -".bench.ts".length)))
  .sort();
await mkdir(resultsDir, { recursive: true });
const summary: Record<string, unknown> = {
  node: process.version,
  cpus: availableParallelism(),
  loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  postgres: Boolean(process.env.FOURMICA_TEST_DATABASE_URL),
  startedAt: new Date().toISOString(),
  benches: {},
};
let failed = false;
for (const file of benches) {
  const name = file.slice(0, -".bench.ts".length);
  process.stderr.write(`bench: ${name}...\n`);
  const started = performance.now();
  const outcome = await runBench(file);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  if (outcome.ok) {
    await writeFile(new URL(`${name}.json`, resultsDir), JSON.stringify(outcome.result, null, 2) + "\n");
  } else failed = true;
  (summary.benches as Record<string, unknown>)[name] = { seconds, ...outcome };
}
await writeFile(new URL("summary.md", resultsDir), benchReport(summary as Parameters<typeof benchReport>[0]) + "\n");
process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
process.exit(failed ? 1 : 0);
