/**
 * Runs `audit-cycle` alone until the CLI (offchain/src/cli/main.ts) registers it:
 * `node scripts/audit-cycle.ts <cycle> <asset> --core URL --rpc URL --clearing-house ADDRESS [--json]`.
 * Usage errors exit 2, like the CLI's.
 */
import { Command, CommanderError } from "commander";

import { registerAuditCycle } from "../offchain/src/cli/commands/auditCycle.ts";

const program = new Command("4mica").exitOverride();
registerAuditCycle(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  throw e;
}
// Exit now rather than wait for idle keep-alive sockets of the HTTP clients to close.
process.exit(process.exitCode ?? 0);
