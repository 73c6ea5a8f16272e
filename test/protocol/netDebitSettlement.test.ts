import { readFileSync } from "node:fs";

import { expect } from "chai";
import {
  concat,
  encodeAbiParameters,
  hashTypedData,
  keccak256,
  recoverTypedDataAddress,
  toHex,
  verifyTypedData,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  NET_DEBIT_SETTLEMENT_TYPES,
  hashNetDebitSettlement,
  netDebitSettlementDomain,
  netDebitSettlementTypedData,
} from "../../offchain/src/protocol/index.ts";
import {
  buildNetDebitSettlementVectors,
  NET_DEBIT_SETTLEMENT_VECTORS_PATH,
} from "../../scripts/vectors/netDebitSettlement.ts";

interface Case {
  cycleId: string;
  asset: Address;
  amount: string;
  structHash: Hex;
  digest: Hex;
  signature: Hex;
}

interface Vectors {
  privateKey: Hex;
  debtor: Address;
  chainId: number;
  verifyingContract: Address;
  name: string;
  version: string;
  typeString: string;
  typeHash: Hex;
  domainSeparator: Hex;
  cases: Record<string, Case>;
}

const vectors = JSON.parse(readFileSync(NET_DEBIT_SETTLEMENT_VECTORS_PATH, "utf8")) as Vectors;

function inputOf(c: Case, overrides: Partial<Parameters<typeof hashNetDebitSettlement>[0]> = {}) {
  return {
    chainId: vectors.chainId,
    clearingHouse: vectors.verifyingContract,
    cycleId: BigInt(c.cycleId),
    asset: c.asset,
    debtor: vectors.debtor,
    amount: BigInt(c.amount),
    ...overrides,
  };
}

/** EIP-712 by hand (keccak of the ABI encodings), independent of viem's typed-data code. */
function digestByHand(c: Case): Hex {
  const domainSeparator = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [
        keccak256(toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
        keccak256(toHex("4Mica ClearingHouse")),
        keccak256(toHex("1")),
        31337n,
        vectors.verifyingContract,
      ],
    ),
  );
  const structHash = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
      [vectors.typeHash, BigInt(c.cycleId), c.asset, vectors.debtor, BigInt(c.amount)],
    ),
  );
  expect(structHash).to.equal(c.structHash);
  expect(domainSeparator).to.equal(vectors.domainSeparator);
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
}

describe("netDebitSettlement (test/vectors/netDebitSettlement.json)", function () {
  it("the committed vectors are what scripts/vectors/netDebitSettlement.ts writes", async function () {
    expect(await buildNetDebitSettlementVectors()).to.deep.equal(vectors);
  });

  it("pins the domain and the type: 4Mica ClearingHouse, version 1, NetDebitSettlement(cycleId, asset, debtor, amount)", function () {
    expect(netDebitSettlementDomain(vectors.chainId, vectors.verifyingContract)).to.deep.equal({
      name: "4Mica ClearingHouse",
      version: "1",
      chainId: 31337n,
      verifyingContract: vectors.verifyingContract,
    });
    expect([vectors.name, vectors.version]).to.deep.equal(["4Mica ClearingHouse", "1"]);
    const fields = NET_DEBIT_SETTLEMENT_TYPES.NetDebitSettlement.map((f) => `${f.type} ${f.name}`).join(",");
    expect(`NetDebitSettlement(${fields})`).to.equal(vectors.typeString);
    expect(keccak256(toHex(vectors.typeString))).to.equal(vectors.typeHash);
    expect(privateKeyToAccount(vectors.privateKey).address).to.equal(vectors.debtor);
  });

  it("covers an ERC-20, ETH (address(0)), the uint112 maximum and the largest cycle id", function () {
    expect(Object.keys(vectors.cases).sort()).to.deep.equal(["erc20", "eth", "max_cycle_id", "max_uint112"]);
    expect(BigInt(vectors.cases.max_cycle_id!.cycleId)).to.equal(2n ** 256n - 1n);
    expect(vectors.cases.eth!.asset).to.equal("0x0000000000000000000000000000000000000000");
    expect(BigInt(vectors.cases.max_uint112!.amount)).to.equal(2n ** 112n - 1n);
  });

  for (const [name, c] of Object.entries(vectors.cases)) {
    describe(name, function () {
      it("hashNetDebitSettlement equals viem's hashTypedData and the digest computed by hand", function () {
        const input = inputOf(c);
        expect(hashNetDebitSettlement(input)).to.equal(c.digest);
        expect(hashTypedData(netDebitSettlementTypedData(input))).to.equal(c.digest);
        expect(digestByHand(c)).to.equal(c.digest);
      });

      it("the signature recovers the debtor (recoverTypedDataAddress, verifyTypedData)", async function () {
        const typedData = netDebitSettlementTypedData(inputOf(c));
        expect(await recoverTypedDataAddress({ ...typedData, signature: c.signature })).to.equal(vectors.debtor);
        expect(await verifyTypedData({ ...typedData, address: vectors.debtor, signature: c.signature })).to.equal(true);
      });

      it("the signature binds every field: another amount, cycle, asset, chain or ClearingHouse recovers someone else", async function () {
        const variants = [
          inputOf(c, { amount: BigInt(c.amount) - 1n }),
          inputOf(c, { cycleId: BigInt(c.cycleId) ^ 1n }),
          inputOf(c, { asset: "0x0000000000000000000000000000000000000001" }),
          inputOf(c, { debtor: "0x0000000000000000000000000000000000000002" }),
          inputOf(c, { chainId: 1 }),
          inputOf(c, { clearingHouse: "0x0000000000000000000000000000000000000003" }),
        ];
        for (const variant of variants) {
          expect(hashNetDebitSettlement(variant)).to.not.equal(c.digest);
          const recovered = await recoverTypedDataAddress({
            ...netDebitSettlementTypedData(variant),
            signature: c.signature,
          });
          expect(recovered).to.not.equal(vectors.debtor);
        }
      });
    });
  }
});
