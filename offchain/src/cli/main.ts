#!/usr/bin/env node
/**
 * The composition root of the `4mica` command-line interface (package bin; `npm run cli -- <args>`): the process's
 * environment and streams in, an exit code out (offchain/src/cli/exitCodes.ts). Commands are in commands/<group>.ts.
 */
import { runCli } from "./run.ts";

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// stdout and stderr are synchronous on Linux pipes and files; exit now rather than wait on keep-alive sockets.
process.exit(code);
