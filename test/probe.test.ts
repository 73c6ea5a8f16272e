import { expect } from "chai";
import { network } from "hardhat";
describe("Probe", function () {
  it("deploys", async function () {
    const { viem } = await network.connect();
    const p = await viem.deployContract("Probe");
    expect(await p.read.hi()).to.equal(1n);
  });
});
