/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (one after the other, so they do not compete for
 * the cores), writes each one's JSON to bench/results/<name>.json and a markdown report of all of them to
 * bench/results/summary.md, and prints a summary JSON on stdout. `npm run bench -- netting issuance` runs only the
 * benches named. A bench that
 * fails, prints no JSON or runs past BENCH_TIMEOUT_SECONDS (default 180) is reported with its error; the exit code
 * is then 1.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";

import { benchReport } from "./support/markdown.ts";

const dir = new URL("./", import.meta.url);
const resultsDir = new URL("./results/", dir);
const timeoutMs = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 180) * 1000;

function runBench(file: string): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [new URL(file, dir).pathname], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
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
