/**
 * Compiles the contracts the way `hardhat run` does (its `build` task, tests too unless split), saying so first and
 * printing a heartbeat while solc runs: a cold compile (solc-js, viaIR) takes about ten minutes on two cores, and
 * Hardhat's own spinner shows only on a terminal and not how long it has been. solc runs in a child process, so the
 * heartbeat's timer keeps firing. A warm cache makes this a no-op of a second or two.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

export async function compileWithProgress(
  hre: HardhatRuntimeEnvironment,
  log: (line: string) => void,
  options: { heartbeatMs?: number } = {},
): Promise<void> {
  const noTests = hre.config.solidity.splitTestsCompilation;
  const roots = await hre.solidity.getRootFilePaths();
  const jobs = await hre.solidity.getCompilationJobs(roots, { quiet: true });
  const stale = jobs.success ? jobs.compilationJobsPerFile.size : roots.length;
  if (stale === 0) {
    log(`Contracts up to date (${roots.length} Solidity files, compile cache hit).`);
    // Still the build task, as `hardhat run` runs it: it also removes artifacts of deleted sources.
    await hre.tasks.getTask("build").run({ quiet: true, noTests });
    return;
  }
  log(
    `Compiling ${stale} of ${roots.length} Solidity files (solc ${hre.config.solidity.profiles.default?.compilers[0]?.version ?? ""}, viaIR). ` +
      "A first compile takes about 10 minutes on a 2-core machine; later runs use the cache.",
  );
  const started = Date.now();
  const elapsed = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  };
  const out = process.stdout;
  const heartbeat = setInterval(() => {
    // Hardhat's spinner redraws the current terminal line: start a clean one so the two do not interleave.
    if (out.isTTY) {
      out.clearLine(0);
      out.cursorTo(0);
    }
    log(`  still compiling, ${elapsed()} elapsed (solc runs in a child process; this is not stuck)`);
  }, options.heartbeatMs ?? 20_000);
  try {
    await hre.tasks.getTask("build").run({ quiet: false, noTests });
  } finally {
    clearInterval(heartbeat);
  }
  log(`Compiled in ${elapsed()}.`);
}
