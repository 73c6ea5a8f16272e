import { expect } from "chai";

import { FacilitatorConfigError, loadFacilitatorConfig } from "../../offchain/src/facilitator/config.ts";

const base = { FOURMICA_FACILITATOR_CORE_URL: "http://127.0.0.1:8080" };

describe("The facilitator's configuration of its Core calls", function () {
  it("defaults to four issuance calls at once and batches of up to 64", function () {
    const c = loadFacilitatorConfig(base);
    expect([c.coreMaxInFlight, c.coreMaxBatch, c.coreTimeoutMs]).to.deep.equal([4, 64, 10_000]);
  });

  it("takes other limits, and a batch of 1 (never batch)", function () {
    const c = loadFacilitatorConfig({
      ...base,
      FOURMICA_FACILITATOR_CORE_MAX_IN_FLIGHT: "16",
      FOURMICA_FACILITATOR_CORE_MAX_BATCH: "1",
    });
    expect([c.coreMaxInFlight, c.coreMaxBatch]).to.deep.equal([16, 1]);
  });

  it("refuses limits out of range, naming every bad variable at once", function () {
    let caught: unknown;
    try {
      loadFacilitatorConfig({
        ...base,
        FOURMICA_FACILITATOR_CORE_MAX_IN_FLIGHT: "0",
        FOURMICA_FACILITATOR_CORE_MAX_BATCH: "65",
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(FacilitatorConfigError);
    const err = caught as FacilitatorConfigError;
    expect(err.code).to.equal("CONFIG_INVALID");
    expect(err.message).to.contain("FOURMICA_FACILITATOR_CORE_MAX_IN_FLIGHT");
    expect(err.message).to.contain("FOURMICA_FACILITATOR_CORE_MAX_BATCH");
    expect(() => loadFacilitatorConfig({ ...base, FOURMICA_FACILITATOR_CORE_MAX_BATCH: "two" })).to.throw(
      FacilitatorConfigError,
    );
  });
});
