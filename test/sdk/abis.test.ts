import { bls12_381 } from "@noble/curves/bls12-381.js";
import { expect } from "chai";
import { artifacts } from "hardhat";
import { hexToBytes, toHex, type Abi, type AbiParameter, type Hex } from "viem";
import { formatAbiItem } from "viem/utils";

import { aggregateSignatures, createPureBackend, g2ToEip2537 } from "../../offchain/src/protocol/bls/index.ts";
import { BLS_POP_DST } from "../../offchain/src/protocol/bls/constants.ts";
import { FourMicaError } from "../../offchain/src/protocol/errors.ts";
import {
  VAULT_ENTRY_POINTS,
  clearingHouseAbi,
  core4MicaAbi,
  guaranteeDecoderAbi,
  remunerateAbi,
} from "../../offchain/src/sdk/abis.ts";

type Item = Extract<Abi[number], { type: "function" | "error" }>;

function typeOf(p: AbiParameter): string {
  if (!p.type.startsWith("tuple")) return p.type;
  const components = (p as { components: readonly AbiParameter[] }).components;
  return `(${components.map(typeOf).join(",")})${p.type.slice(5)}`;
}

/** `type name` -> canonical signature with mutability and output types (names ignored). */
function signatures(abi: Abi): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of abi) {
    if (item.type !== "function" && item.type !== "error") continue;
    const i = item as Item;
    const inputs = i.inputs.map(typeOf).join(",");
    const tail = i.type === "function" ? ` ${i.stateMutability} -> (${i.outputs.map(typeOf).join(",")})` : "";
    out.set(`${i.type} ${i.name}`, `${i.name}(${inputs})${tail}`);
  }
  return out;
}

async function compiled(name: string): Promise<Map<string, string>> {
  return signatures((await artifacts.readArtifact(name)).abi as Abi);
}

describe("SDK ABIs (hand-written so the SDK needs no artifacts at run time)", function () {
  it("match the compiled Core4Mica for every function and error the SDK uses", async function () {
    const vault = await compiled("Core4Mica");
    const mine = signatures(core4MicaAbi);
    for (const [key, sig] of mine) expect(vault.get(key), key).to.equal(sig);
    expect(mine.size).to.be.greaterThan(20);
  });

  it("match the compiled ClearingHouse", async function () {
    const house = await compiled("ClearingHouse");
    for (const [key, sig] of signatures(clearingHouseAbi)) expect(house.get(key), key).to.equal(sig);
  });

  it("match the compiled V2 decoder's checkRedeemable", async function () {
    const decoder = await compiled("ValidationRegistryGuaranteeDecoder");
    for (const [key, sig] of signatures(guaranteeDecoderAbi)) expect(decoder.get(key), key).to.equal(sig);
  });

  it("name the vault's single remuneration entry point as the compiled vault does", async function () {
    const vault = await compiled("Core4Mica");
    const single = signatures([remunerateAbi[0]]).get(`function ${VAULT_ENTRY_POINTS.single}`)!;
    expect(vault.get(`function ${VAULT_ENTRY_POINTS.single}`)).to.equal(single);
    expect(single).to.equal(
      `${VAULT_ENTRY_POINTS.single}(bytes,(${"bytes32,".repeat(7)}bytes32),bytes) nonpayable -> (bytes32)`,
    );
  });

  it("name the batch entry point as the compiled vault does, once it has one", async function () {
    const vault = await compiled("Core4Mica");
    const compiledBatch = vault.get(`function ${VAULT_ENTRY_POINTS.batch}`);
    // remunerateBatch arrives with the vault's settlement work (issue 9 brief); until then there is nothing to pin.
    if (compiledBatch === undefined) this.skip();
    expect(compiledBatch).to.equal(signatures([remunerateAbi[1]]).get(`function ${VAULT_ENTRY_POINTS.batch}`));
  });
});

describe("aggregateSignatures", function () {
  const backend = createPureBackend();
  const sk = toHex(12345n, { size: 32 });
  const messages: Hex[] = ["0x01", "0x0202", "0x030303"];
  const signatures = messages.map((m) => backend.sign(sk, m));

  it("gives the G2 sum that verifies against the sum of the messages' hashes under one key", function () {
    const signature = aggregateSignatures(signatures);
    const pk = bls12_381.G1.Point.fromBytes(hexToBytes(backend.publicKey(sk)));
    const hashes = messages.map((m) => bls12_381.longSignatures.hash(hexToBytes(m), BLS_POP_DST));
    const sumOfHashes = hashes.reduce((a, b) => a.add(b));
    const agg = bls12_381.G2.Point.fromBytes(hexToBytes(signature));
    // e(G1, agg) == e(pk, sum H(m_i))
    expect(
      bls12_381.fields.Fp12.eql(bls12_381.pairing(bls12_381.G1.Point.BASE, agg), bls12_381.pairing(pk, sumOfHashes)),
    ).to.equal(true);
  });

  it("of one signature is that signature", function () {
    expect(aggregateSignatures([signatures[0]!])).to.equal(signatures[0]);
  });

  it("differs when one signature is left out (the sum binds every certificate)", function () {
    expect(aggregateSignatures(signatures.slice(0, 2))).to.not.equal(aggregateSignatures(signatures));
  });

  it("refuses an empty list and a malformed signature", function () {
    expect(() => aggregateSignatures([]))
      .to.throw(FourMicaError)
      .with.property("code", "INVALID_BLS_POINT");
    expect(() => aggregateSignatures([signatures[0]!, "0x1234"]))
      .to.throw(FourMicaError)
      .with.property("code", "INVALID_BLS_POINT");
  });
});
