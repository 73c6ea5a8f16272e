import { Command, CommanderError, Option } from "commander";

import { registerAuditCycle } from "./commands/auditCycle.ts";
import { registerOperator } from "./commands/operator.ts";
import { registerPayer } from "./commands/payer.ts";
import { registerRecipient } from "./commands/recipient.ts";
import { createCliContext, type CliContext, type CliDeps } from "./context.ts";
import { classify, CliError } from "./errors.ts";
import { ExitCode } from "./exitCodes.ts";
import { toJson } from "./format.ts";
import { refuseSecretArguments } from "./parse.ts";

/** Builds the `4mica` program on a context: the global options and every command group. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("4mica")
    .description("4Mica: collateral-backed credit for agent payments. Payers, recipients and operators.")
    .version(ctx.deps.env.npm_package_version ?? "0.1.0")
    .option("--json", "print one JSON document on stdout")
    .option("-q, --quiet", "no progress on stderr")
    .option("--rpc-url <url>", "the chain's JSON-RPC URL (env FOURMICA_RPC_URL)")
    .option("--core-url <url>", "Core's base URL (env FOURMICA_CORE_URL)")
    .option("--deployments <file>", "the deployments record (env FOURMICA_DEPLOYMENTS_FILE)")
    .option("--network <name>", "read deployments/<name>.json (env FOURMICA_NETWORK)")
    .addOption(
      new Option("--key-source <source>", "where the signing key comes from (env FOURMICA_KEY_SOURCE)").choices([
        "env",
        "keystore",
      ]),
    )
    .addHelpText(
      "after",
      `
Keys never come from arguments: FOURMICA_PRIVATE_KEY in the environment, or --key-source keystore (Hardhat's
keystore, key FOURMICA_PRIVATE_KEY or FOURMICA_KEYSTORE_KEY). Admin routes take FOURMICA_ADMIN_TOKEN.
Exit codes: 0 ok, 1 unexpected, 2 usage/config, 3 invalid input, 4 unreachable, 5 refused, 6 audit mismatch.`,
    );
  program.hook("preAction", (_this, action) => ctx.setGlobals(action.optsWithGlobals()));
  registerRecipient(program, ctx);
  registerPayer(program, ctx);
  registerOperator(program, ctx);
  // Auditors: `4mica audit-cycle <cycle> <asset>` (exit 0 match, 6 mismatch; docs/audit.md).
  registerAuditCycle(program);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and the script) and returns its exit code (exitCodes.ts). Never throws and
 * never exits the process: main.ts does that, tests read the code.
 */
export async function runCli(
  argv: readonly string[],
  deps: CliDeps,
  extend?: (program: Command, ctx: CliContext) => void,
): Promise<ExitCode> {
  const ctx = createCliContext(deps);
  const json = argv.includes("--json");
  const fail = (e: unknown): ExitCode => {
    const r = classify(e);
    if (json && !(e instanceof CliError && e.resultPrinted)) deps.stdout.write(`${toJson({ error: r })}\n`);
    deps.stderr.write(`4mica: ${r.name === r.code ? r.code : `${r.name} (${r.code})`}: ${r.message}\n`);
    return r.exitCode;
  };
  try {
    refuseSecretArguments(argv);
  } catch (e) {
    return fail(e);
  }
  const program = buildProgram(ctx);
  extend?.(program, ctx);
  const quietExit = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      writeErr: (s) => deps.stderr.write(s),
      outputError: () => undefined, // fail() reports it, once
    });
    cmd.commands.forEach(quietExit);
  };
  quietExit(program);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return ExitCode.OK; // --help, --version
      return fail(new CliError(ExitCode.USAGE, "USAGE", e.message.replace(/^error: /, ""), { commander: e.code }));
    }
    return fail(e);
  }
}
