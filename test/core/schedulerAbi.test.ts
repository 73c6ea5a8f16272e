import { expect } from "chai";
import { artifacts } from "hardhat";
import { formatAbiItem } from "viem/utils";
import type { Abi, AbiParameter } from "viem";

import { clearingHouseAbi, vaultSettlementAbi } from "../../offchain/src/core/adapters/chain/clearingHouseAbi.ts";

type Item = Extract<Abi[number], { type: "function" | "error" }>;

/** The canonical type of a parameter, tuples spelled out (names and internal types ignored). */
function typeOf(p: AbiParameter): string {
  if (!p.type.startsWith("tuple")) return p.type;
  const components = (p as { components: readonly AbiParameter[] }).components;
  return `(${components.map(typeOf).join(",")})${p.type.slice(5)}`;
}

function signatures(abi: Abi): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of abi) {
    if (item.type !== "function" && item.type !== "error") continue;
    const i = item as Item;
    const outputs =
      i.type === "function"
        ? ` -> ${i.outputs.map((o) => formatAbiItem({ ...i, inputs: [o] } as Item)).join(",")}`
        : "";
    out.set(
      `${i.type} ${i.name}`,
      `${formatAbiItem(i)}${i.type === "function" ? ` ${i.stateMutability}` : ""}${outputs}`,
    );
  }
  return out;
}

describe("Operator ABIs", function () {
  it("match the compiled ClearingHouse for every function and error the operator uses", async function () {
    const compiled = signatures((await artifacts.readArtifact("ClearingHouse")).abi as Abi);
    const mine = signatures(clearingHouseAbi);
    // Errors raised by the vault through the ClearingHouse are declared by the vault, not by it.
    const vaultErrors = [
      "error Core4MicaGuaranteeAlreadyConsumed",
      "error Core4MicaInvalidPayerSignature",
      "error Core4MicaNettedGuaranteeExpires",
    ];
    const vault = signatures((await artifacts.readArtifact("Core4Mica")).abi as Abi);
    for (const [key, sig] of mine) {
      if (vaultErrors.includes(key)) {
        expect(vault.get(key), key).to.equal(sig);
        continue;
      }
      expect(compiled.get(key), key).to.equal(sig);
    }
    expect(mine.size).to.be.greaterThan(20);
  });

  it("match the vault's settlement view", async function () {
    const compiled = signatures((await artifacts.readArtifact("MockCore4MicaSettlement")).abi as Abi);
    for (const [key, sig] of signatures(vaultSettlementAbi)) expect(compiled.get(key), key).to.equal(sig);
    expect(compiled.get("error Core4MicaGuaranteeAlreadyConsumed")).to.equal(
      signatures(clearingHouseAbi).get("error Core4MicaGuaranteeAlreadyConsumed"),
    );
  });
});
