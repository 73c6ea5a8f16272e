import type { Hex } from "viem";

import { CliError, usageError } from "./errors.ts";
import { ExitCode } from "./exitCodes.ts";
import type { Settings } from "./settings.ts";

/**
 * The signing key, never from an argument (parse.ts refuses those):
 * - `--key-source env` (default): FOURMICA_PRIVATE_KEY;
 * - `--key-source keystore`: Hardhat's encrypted keystore (@nomicfoundation/hardhat-keystore), key name
 *   FOURMICA_KEYSTORE_KEY (default FOURMICA_PRIVATE_KEY). The CLI is not a Hardhat task, so it builds a Hardhat
 *   runtime with only the keystore plugin and resolves the name as a configuration variable through the plugin's
 *   `configurationVariables.fetchValue` hook, exactly as `configVariable(...)` in hardhat.config.ts is resolved: the
 *   development keystore first, then the production one (which asks its password on the terminal). Hardhat is a
 *   development dependency: where it is not installed, this source is a usage error.
 */
export async function readSigningKey(settings: Settings): Promise<Hex> {
  if (settings.keySource === "env") {
    if (!settings.privateKey) {
      throw usageError(
        "MISSING_KEY",
        "no signing key: set FOURMICA_PRIVATE_KEY in the environment, or use --key-source keystore",
      );
    }
    return settings.privateKey;
  }
  const value = await readKeystoreValue(settings.keystoreKey);
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw usageError("INVALID_KEY", `keystore value ${settings.keystoreKey} is not 32 bytes of 0x-hex`);
  }
  return value as Hex;
}

/** One value of Hardhat's keystore, read from a process that is not a Hardhat task. */
export async function readKeystoreValue(name: string, projectRoot = process.cwd()): Promise<string> {
  let hardhat: {
    hre: typeof import("hardhat/hre");
    config: typeof import("hardhat/config");
    keystore: typeof import("@nomicfoundation/hardhat-keystore");
  };
  try {
    hardhat = {
      hre: await import("hardhat/hre"),
      config: await import("hardhat/config"),
      keystore: await import("@nomicfoundation/hardhat-keystore"),
    };
  } catch (e) {
    throw new CliError(
      ExitCode.USAGE,
      "KEYSTORE_UNAVAILABLE",
      "--key-source keystore needs hardhat and @nomicfoundation/hardhat-keystore installed; or set FOURMICA_PRIVATE_KEY",
      undefined,
      e,
    );
  }
  const hre = await hardhat.hre.createHardhatRuntimeEnvironment(
    { plugins: [hardhat.keystore.default] },
    {},
    projectRoot,
  );
  const variable = hardhat.config.configVariable(name);
  return hre.hooks.runHandlerChain("configurationVariables", "fetchValue", [variable], async () => {
    throw usageError("KEY_NOT_IN_KEYSTORE", `the keystore has no ${name} (npx hardhat keystore set ${name})`);
  });
}
