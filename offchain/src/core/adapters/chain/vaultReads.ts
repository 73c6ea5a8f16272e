import { encodeFunctionData, type Address, type Hex, type PublicClient } from "viem";

import type { ValidationStatus } from "../../lifecycle/validationOutcome.ts";
import { core4MicaAbi, validationRegistryAbi } from "./abis.ts";
import { ChainUnavailableError } from "./chainActions.ts";

/** The vault's `guaranteeExpiry()` (seconds). */
export async function readGuaranteeExpiry(client: PublicClient, core4Mica: Address): Promise<bigint> {
  try {
    return await client.readContract({ address: core4Mica, abi: core4MicaAbi, functionName: "guaranteeExpiry" });
  } catch (e) {
    throw new ChainUnavailableError("cannot read guaranteeExpiry()", e);
  }
}

/**
 * `registry.getValidationStatus(requestHash)`. A revert (unknown request, or not a registry) is `undefined`: the
 * answer is unknown and the guarantee stays pending; so is an answer that does not decode as the ERC-8004 tuple (a
 * broken or hostile registry: the vault's decoder refuses it too). A node failure throws CHAIN_UNAVAILABLE.
 */
export async function readValidationStatus(
  client: PublicClient,
  registry: Address,
  requestHash: Hex,
): Promise<ValidationStatus | undefined> {
  try {
    const [validatorAddress, agentId, response, , tag, lastUpdate] = await client.readContract({
      address: registry,
      abi: validationRegistryAbi,
      functionName: "getValidationStatus",
      args: [requestHash],
    });
    return { validatorAddress, agentId, response, tag, lastUpdate };
  } catch (e) {
    if (isRevert(e)) return undefined;
    // Undecodable data is the registry's answer, not a node failure: thrown, it stopped the promotion job at this
    // guarantee, every later one in the round unchecked (test/adversarial/registry.test.ts). The node is fine when
    // the same call, undecoded, succeeds.
    if (await answersRaw(client, registry, requestHash)) return undefined;
    throw new ChainUnavailableError(`cannot read the validation status of ${requestHash}`, e);
  }
}

function isRevert(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = (c as { cause?: unknown }).cause) {
    const name = c.name;
    if (name === "ContractFunctionRevertedError" || name === "ContractFunctionZeroDataError") return true;
  }
  return false;
}

async function answersRaw(client: PublicClient, registry: Address, requestHash: Hex): Promise<boolean> {
  try {
    const data = encodeFunctionData({
      abi: validationRegistryAbi,
      functionName: "getValidationStatus",
      args: [requestHash],
    });
    await client.call({ to: registry, data });
    return true;
  } catch {
    return false;
  }
}
