import { spawnSync } from "node:child_process";

import { expect } from "chai";

/**
 * The README's main command must stay true: `npm run demo` (hardhat run scripts/demo.ts) deploys, runs Core and a
 * whole cycle, and exits 0 only when the chain and the database agree.
 */
describe("npm run demo", function () {
  this.timeout(180_000);

  it("runs the whole system end to end and exits 0 with every check passing", function () {
    const run = spawnSync(process.execPath, ["node_modules/hardhat/dist/src/cli.js", "run", "scripts/demo.ts"], {
      encoding: "utf8",
      timeout: 170_000,
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).to.equal(0);
    expect(output).to.contain("All checks passed");
    expect(output).to.not.match(/^\s+FAIL /m);
    expect(output).to.contain("the keeper covered carol's default");
    expect(output).to.contain("promotes V2 to FINALIZED_PAYABLE");
    expect(output).to.contain("through @x402/express: certificate checked and stored before the body");
    expect(output).to.contain("through @x402/hono: certificate checked and stored before the body");
    expect(output).to.contain("buyer policy refuses a seller outside its allowlist");
    expect(output).to.contain("promotes the x402 V2 to FINALIZED_PAYABLE");
  });
});
