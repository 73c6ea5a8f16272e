import { createRequire } from "node:module";

import hardhatKeystore from "@nomicfoundation/hardhat-keystore";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import { configVariable, defineConfig } from "hardhat/config";
import type { HttpNetworkUserConfig } from "hardhat/types/config";

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

/** An HTTP network whose URL and deployer key are the configuration variables `<PREFIX>_RPC_URL` and `<PREFIX>_DEPLOYER_KEY`. */
function realNetwork(prefix: string, chainId: number, chainType: "l1" | "op"): HttpNetworkUserConfig {
  return {
    type: "http",
    chainType,
    chainId,
    url: configVariable(`${prefix}_RPC_URL`),
    accounts: [configVariable(`${prefix}_DEPLOYER_KEY`)],
  };
}

export default defineConfig({
  plugins: [hardhatKeystore, hardhatViem, hardhatViemAssertions, hardhatMocha, hardhatNetworkHelpers],
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
    // A `npx hardhat node` on this machine (default port 8545; FOURMICA_LOCALHOST_URL points it at another node).
    localhost: {
      type: "http",
      chainType: "l1",
      url: configVariable("FOURMICA_LOCALHOST_URL", { default: "http://127.0.0.1:8545" }),
    },
    // Real networks (docs/operations.md, "Deploying to a real network"). Each URL and deployer key is a configuration
    // variable: taken from the environment, else from Hardhat's encrypted keystore (`npx hardhat keystore set NAME`),
    // and resolved only when that network is used, so the demo and the tests need none of them. Every network here
    // but the local ones is a production network for scripts/deploy.ts (scripts/lib/networkPolicy.ts).
    sepolia: realNetwork("SEPOLIA", 11_155_111, "l1"),
    baseSepolia: realNetwork("BASE_SEPOLIA", 84_532, "op"),
    base: realNetwork("BASE", 8_453, "op"),
    mainnet: realNetwork("MAINNET", 1, "l1"),
    // Any other chain: FOURMICA_RPC_URL and FOURMICA_DEPLOYER_KEY (environment or keystore).
    custom: {
      type: "http",
      chainType: "l1",
      url: configVariable("FOURMICA_RPC_URL"),
      accounts: [configVariable("FOURMICA_DEPLOYER_KEY")],
    },
  },
});
