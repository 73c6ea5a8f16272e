import {
  concat,
  getContractAddress,
  keccak256,
  parseEther,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";

/**
 * The deterministic deployment proxy (github.com/Arachnid/deterministic-deployment-proxy): the same address on
 * every EVM chain, because it is deployed by one presigned pre-EIP-155 transaction from a keyless account. Called
 * with `salt ‖ initCode` it CREATE2-deploys `initCode` and returns the new address, so a contract's address is
 * `keccak256(0xff ‖ proxy ‖ salt ‖ keccak256(initCode))[12:]` whoever sends the call. Chosen over a factory of our
 * own: nothing of ours to deploy (and to trust) first, and it already exists on mainnet, Base and the testnets.
 */
export const DETERMINISTIC_DEPLOYER: Address = "0x4e59b44847b379578588920ca78fbf26c0b4956c";
/** The keyless account that sends the presigned transaction, and what it must hold first (100 gwei × 100,000 gas). */
export const DETERMINISTIC_DEPLOYER_SIGNER: Address = "0x3fab184622dc19b6109349b94811493bf2a45362";
export const DETERMINISTIC_DEPLOYER_FUNDING = parseEther("0.01");
export const DETERMINISTIC_DEPLOYER_TX: Hex =
  "0xf8a58085174876e800830186a08080b853604580600e600039806000f350fe7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf31ba02222222222222222222222222222222222222222222222222222222222222222a02222222222222222222222222222222222222222222222222222222222222222";
/** The proxy's runtime code, checked before use. */
export const DETERMINISTIC_DEPLOYER_CODE: Hex =
  "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";

/** The salt of one contract of a stack: `keccak256(stackSalt ‖ label)`, so that one stack salt places every contract. */
export function contractSalt(stackSalt: Hex, label: string): Hex {
  return keccak256(concat([stackSalt, toHex(label)]));
}

/** The CREATE2 address of `initCode` under `salt` through the deterministic deployment proxy. */
export function predictCreate2Address(salt: Hex, initCode: Hex, factory: Address = DETERMINISTIC_DEPLOYER): Address {
  return getContractAddress({ opcode: "CREATE2", from: factory, salt, bytecode: initCode });
}

/**
 * Makes sure the proxy is on the chain. When it is missing and `devChain`, deploys it by its presigned transaction
 * (funding the keyless signer from `funder` first); off a development chain, throws: send the presigned transaction
 * yourself (it needs a chain that accepts pre-EIP-155 transactions) or deploy without CREATE2.
 */
export async function ensureDeterministicDeployer(
  publicClient: PublicClient,
  funder: WalletClient,
  devChain: boolean,
): Promise<void> {
  const code = await publicClient.getCode({ address: DETERMINISTIC_DEPLOYER });
  if (code !== undefined && code !== "0x") {
    if (code.toLowerCase() !== DETERMINISTIC_DEPLOYER_CODE) {
      throw new Error(`${DETERMINISTIC_DEPLOYER} holds code that is not the deterministic deployment proxy`);
    }
    return;
  }
  if (!devChain) {
    throw new Error(
      `the deterministic deployment proxy ${DETERMINISTIC_DEPLOYER} is missing on chain ${await publicClient.getChainId()}; ` +
        "send its presigned transaction first (docs/operations.md) or deploy without FOURMICA_CREATE2_SALT",
    );
  }
  const fund = await funder.sendTransaction({
    account: funder.account!,
    chain: funder.chain,
    to: DETERMINISTIC_DEPLOYER_SIGNER,
    value: DETERMINISTIC_DEPLOYER_FUNDING,
  });
  await publicClient.waitForTransactionReceipt({ hash: fund });
  const hash = await publicClient.request({
    method: "eth_sendRawTransaction",
    params: [DETERMINISTIC_DEPLOYER_TX],
  });
  await publicClient.waitForTransactionReceipt({ hash });
  const deployed = await publicClient.getCode({ address: DETERMINISTIC_DEPLOYER });
  if (deployed?.toLowerCase() !== DETERMINISTIC_DEPLOYER_CODE) {
    throw new Error("the presigned transaction did not deploy the deterministic deployment proxy");
  }
}

/**
 * CREATE2-deploys `initCode` under `salt` through the proxy: predicts the address, refuses when code is already
 * there, sends the call, and checks that the code landed at the predicted address.
 */
export async function deployCreate2(
  publicClient: PublicClient,
  wallet: WalletClient,
  salt: Hex,
  initCode: Hex,
): Promise<Address> {
  const predicted = predictCreate2Address(salt, initCode);
  const existing = await publicClient.getCode({ address: predicted });
  if (existing !== undefined && existing !== "0x") {
    throw new Error(`CREATE2 address ${predicted} already holds code: use another FOURMICA_CREATE2_SALT`);
  }
  const hash = await wallet.sendTransaction({
    account: wallet.account!,
    chain: wallet.chain,
    to: DETERMINISTIC_DEPLOYER,
    data: concat([salt, initCode]),
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`CREATE2 deployment to ${predicted} reverted (tx ${hash})`);
  const code = await publicClient.getCode({ address: predicted });
  if (code === undefined || code === "0x") {
    throw new Error(`CREATE2 deployment left no code at the predicted address ${predicted} (tx ${hash})`);
  }
  return predicted;
}
