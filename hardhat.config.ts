import { createRequire } from "node:module";

import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import { configVariable, defineConfig } from "hardhat/config";

// No compiler download works on our machines (and must not be on the path of the demo or the tests):
// compile with the npm `solc` package. Its version is pinned in package.json and here, together.
const SOLC_VERSION = "0.8.30";
const require = createRequire(import.meta.url);
const solcPath = require.resolve("solc/soljson.js");

const compiler = {
  version: SOLC_VERSION,
  path: solcPath,
  settings: {
    evmVersion: "prague",
    optimizer: { enabled: true, runs: 10_000 },
    viaIR: true,
  },
};

export default defineConfig({
  plugins: [hardhatViem, hardhatViemAssertions, hardhatMocha, hardhatNetworkHelpers],
  solidity: {
    profiles: {
      default: compiler,
      production: compiler,
    },
    npmFilesToBuild: ["@openzeppelin/contracts/access/manager/AccessManager.sol"],
  },
  paths: {
    tests: { mocha: "test", solidity: "test" },
  },
  test: {
    mocha: { timeout: 120_000 },
    solidity: {
      fsPermissions: { readDirectory: ["test/vectors"] },
      fuzz: { runs: 256, seed: "0x4d696361" },
      invariant: { runs: 64, depth: 32, failOnRevert: false },
    },
  },
  networks: {
    // The embedded default chain: EDR in-process, Prague rules so that the EIP-2537 precompiles exist.
    hardhat: { type: "edr-simulated", chainType: "l1", hardfork: "prague", allowUnlimitedContractSize: false },
    // A `npx hardhat node` on this machine.
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // Any other chain: set its URL and the deployer key in Hardhat's keystore or the environment.
    custom: {
      type: "http",
      chainType: "l1",
      url: configVariable("FOURMICA_RPC_URL"),
      accounts: [configVariable("FOURMICA_DEPLOYER_KEY")],
    },
  },
});
