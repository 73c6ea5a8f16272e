import type { Transport } from "viem";

import { runCli } from "../../offchain/src/cli/run.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed (with --json). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Runs `4mica <argv>` in process, as main.ts does, with the given environment (nothing of process.env leaks in) and
 * an optional in-process chain transport; returns the exit code and what it printed.
 */
export async function cli(
  argv: string[],
  { env = {}, transport }: { env?: Record<string, string | undefined>; transport?: Transport } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...(transport ? { transport } : {}),
  });
  let json: unknown;
  try {
    json = stdout.trim() === "" ? undefined : JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}
