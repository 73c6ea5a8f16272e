/**
 * Module boundaries of offchain/ (docs/sdk.md, "Layout"): the arrows point down, to the pure protocol.
 *
 *   protocol   pure: imports only itself and pure npm packages (viem, @noble/*), never I/O.
 *   core       the operator. Its pure folders (issuance, lifecycle, scheduler, auth) import no adapter, service or
 *              I/O package; adapters/ and services/ do the I/O.
 *   sdk, x402, facilitator, cli   clients of the protocol: they never import Core.
 *
 * `npm run lint` runs `depcruise offchain`; test/sdk/boundaries.test.ts shows each rule failing on a forbidden import.
 * Paths are matched with a leading `(^|/)` so that the test can cruise a fixture tree under a temporary directory.
 */

/** Packages and Node built-ins that do database, HTTP, file or network I/O. */
const IO_PACKAGES =
  "(^|/)node_modules/(pg|pg-pool|pg-protocol|@electric-sql/pglite|fastify|@fastify/[^/]+|express|hono|@hono/[^/]+|undici|ws|pino)/";
const IO_BUILTINS =
  "^(node:)?(fs|fs/promises|http|https|http2|net|dgram|dns|tls|child_process|cluster|worker_threads)$";

const PROTOCOL = "(^|/)offchain/src/protocol/";
const CORE = "(^|/)offchain/src/core/";
const CORE_PURE = "(^|/)offchain/src/core/(issuance|lifecycle|scheduler|auth)/";
const CLIENTS = "(^|/)offchain/src/(sdk|x402|facilitator|cli)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "protocol-imports-only-protocol",
      comment: "offchain/src/protocol is the pure protocol every client imports: nothing of Core, the SDK or x402.",
      severity: "error",
      from: { path: PROTOCOL },
      to: { path: "(^|/)offchain/src/", pathNot: PROTOCOL },
    },
    {
      name: "protocol-no-io",
      comment: "offchain/src/protocol does no I/O: no database, HTTP server, file or network package.",
      severity: "error",
      from: { path: PROTOCOL },
      to: { path: [IO_PACKAGES, IO_BUILTINS] },
    },
    {
      name: "clients-do-not-import-core",
      comment:
        "The SDK, the x402 plug-ins, the facilitator and the CLI import protocol/, never Core (offchain/src/core).",
      severity: "error",
      from: { path: CLIENTS },
      to: { path: CORE },
    },
    {
      name: "core-pure-no-adapters",
      comment: "Core's pure folders (issuance, lifecycle, scheduler, auth) import no adapter or service.",
      severity: "error",
      from: { path: CORE_PURE },
      to: { path: "(^|/)offchain/src/core/(adapters|services)/" },
    },
    {
      name: "core-pure-no-io",
      comment: "Core's pure folders (issuance, lifecycle, scheduler, auth) import no I/O package.",
      severity: "error",
      from: { path: CORE_PURE },
      to: { path: [IO_PACKAGES, IO_BUILTINS] },
    },
    {
      name: "no-unresolvable",
      comment: "An import that does not resolve could hide a boundary crossing.",
      severity: "error",
      from: { path: "(^|/)offchain/src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
