import { expect } from "chai";
import type { Address } from "viem";

import { parseDeployEnv } from "../../scripts/lib/deployEnv.ts";
import { isProductionNetwork, UNSAFE_WIRING_OVERRIDE, wiringProblems } from "../../scripts/lib/networkPolicy.ts";

const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const GOVERNANCE: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const GUARDIAN: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

describe("networkPolicy", function () {
  describe("isProductionNetwork", function () {
    it("treats only the development networks on chain 31337 as development", function () {
      expect(isProductionNetwork("hardhat", 31_337)).to.equal(false);
      expect(isProductionNetwork("localhost", 31_337)).to.equal(false);
      expect(isProductionNetwork("default", 31_337)).to.equal(false);
    });

    it("treats every configured real network as production, whatever its chain id", function () {
      for (const name of ["sepolia", "baseSepolia", "base", "mainnet", "custom"]) {
        expect(isProductionNetwork(name, 31_337), name).to.equal(true);
      }
    });

    it("treats a development network pointed at another chain, and an unknown network, as production", function () {
      expect(isProductionNetwork("localhost", 11_155_111)).to.equal(true);
      expect(isProductionNetwork("staging", 31_337)).to.equal(true);
    });
  });

  describe("wiringProblems", function () {
    const safe = {
      production: true,
      deployer: DEPLOYER,
      governance: GOVERNANCE,
      guardian: GUARDIAN,
      governanceDelay: 1,
    };

    it("accepts a distinct governance with a delay and a separate guardian", function () {
      expect(wiringProblems(safe)).to.deep.equal([]);
    });

    it("accepts anything on a development wiring", function () {
      expect(wiringProblems({ production: false, deployer: DEPLOYER })).to.deep.equal([]);
    });

    it("refuses a zero delay", function () {
      expect(wiringProblems({ ...safe, governanceDelay: 0 })).to.deep.equal([
        "FOURMICA_GOVERNANCE_DELAY: 0; it must be above 0 on a production network (no account may skip the governance delay)",
      ]);
    });

    it("refuses governance = deployer and guardian = governance (any case of the address)", function () {
      expect(wiringProblems({ ...safe, governance: DEPLOYER.toLowerCase() as `0x${string}` })).to.deep.equal([
        `FOURMICA_GOVERNANCE_ADDRESS: ${DEPLOYER} is the deployer; governance must be another account`,
      ]);
      expect(wiringProblems({ ...safe, guardian: GOVERNANCE.toLowerCase() as `0x${string}` })).to.deep.equal([
        `FOURMICA_GUARDIAN_ADDRESS: ${GOVERNANCE} is governance; the guardian must be a separate account`,
      ]);
    });

    it("names every missing variable", function () {
      expect(wiringProblems({ production: true, deployer: DEPLOYER })).to.deep.equal([
        "FOURMICA_GOVERNANCE_ADDRESS: required on a production network",
        "FOURMICA_GOVERNANCE_DELAY: unset; it must be above 0 on a production network (no account may skip the governance delay)",
        "FOURMICA_GUARDIAN_ADDRESS: required on a production network",
      ]);
    });
  });

  describe("parseDeployEnv", function () {
    it("parses addresses, lists, seconds and the salt, and treats empty values as unset", function () {
      const parsed = parseDeployEnv({
        FOURMICA_GOVERNANCE_ADDRESS: GOVERNANCE.toLowerCase(),
        FOURMICA_TOKENS: `${GUARDIAN}, ${DEPLOYER}`,
        FOURMICA_GOVERNANCE_DELAY: "259200",
        FOURMICA_CREATE2_SALT: `0x${"ab".repeat(32)}`,
        FOURMICA_GUARDIAN_ADDRESS: "",
      });
      expect(parsed).to.deep.equal({
        ok: true,
        env: {
          FOURMICA_GOVERNANCE_ADDRESS: GOVERNANCE,
          FOURMICA_TOKENS: [GUARDIAN, DEPLOYER],
          FOURMICA_GOVERNANCE_DELAY: 259_200,
          FOURMICA_CREATE2_SALT: `0x${"ab".repeat(32)}`,
          FOURMICA_GUARDIAN_ADDRESS: undefined,
        },
      });
    });

    it("names every bad variable", function () {
      const parsed = parseDeployEnv({
        FOURMICA_GOVERNANCE_DELAY: "3 days",
        FOURMICA_TOKENS: `${GUARDIAN},0x1234`,
        FOURMICA_CREATE2_SALT: "0x12",
        FOURMICA_UNSAFE_WIRING: "yes",
      });
      expect(parsed).to.deep.equal({
        ok: false,
        problems: [
          "FOURMICA_GOVERNANCE_DELAY: must be whole seconds",
          'FOURMICA_TOKENS: "0x1234" is not an address',
          "FOURMICA_CREATE2_SALT: must be 32 bytes of 0x-hex",
          `FOURMICA_UNSAFE_WIRING: the only accepted value is "${UNSAFE_WIRING_OVERRIDE}"`,
        ],
      });
    });
  });
});
