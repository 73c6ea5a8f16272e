import { expect } from "chai";

import { GuaranteeStatus } from "../../offchain/src/core/issuance/guaranteeStore.ts";
import {
  bookFacts,
  certificateCanTake,
  lockReleasable,
  type LockFacts,
} from "../../offchain/src/core/lifecycle/lockReleasable.ts";

const NONE: LockFacts = { consumed: false, expired: false, cycleCommitted: false, inOpenBatch: false };

describe("lockReleasable (issue 8: one rule for releasing a lock)", function () {
  const cases: { name: string; version: number; facts: Partial<LockFacts>; releasable: boolean }[] = [
    { name: "a live V1 keeps its lock (the fallback may open)", version: 1, facts: {}, releasable: false },
    { name: "a live V2 keeps its lock (route B)", version: 2, facts: {}, releasable: false },
    { name: "a V1 whose cycle is committed without it", version: 1, facts: { cycleCommitted: true }, releasable: true },
    {
      name: "a V2 whose cycle is committed without it keeps it (route B until expiry)",
      version: 2,
      facts: { cycleCommitted: true },
      releasable: false,
    },
    { name: "a consumed V1", version: 1, facts: { consumed: true }, releasable: true },
    { name: "a consumed V2", version: 2, facts: { consumed: true }, releasable: true },
    { name: "an expired V1", version: 1, facts: { expired: true }, releasable: true },
    { name: "an expired V2", version: 2, facts: { expired: true }, releasable: true },
    {
      name: "an expired guarantee in an open batch keeps it (the net debit can be seized)",
      version: 1,
      facts: { expired: true, inOpenBatch: true },
      releasable: false,
    },
    {
      name: "a V2 consumed by the commit of a batch whose debtor is unresolved keeps it",
      version: 2,
      facts: { consumed: true, cycleCommitted: true, inOpenBatch: true },
      releasable: false,
    },
    {
      name: "a netted V1 whose debtor side is resolved",
      version: 1,
      facts: { cycleCommitted: true },
      releasable: true,
    },
  ];
  for (const c of cases) {
    it(`${c.releasable ? "releases" : "keeps"}: ${c.name}`, function () {
      const g = { version: c.version, status: GuaranteeStatus.CANCELLED };
      expect(lockReleasable(g, { ...NONE, ...c.facts })).to.equal(c.releasable);
    });
  }

  it("the certificate's own reach ignores Core's status", function () {
    for (const status of Object.values(GuaranteeStatus)) {
      expect(certificateCanTake({ version: 2, status }, NONE)).to.equal(true);
      expect(certificateCanTake({ version: 1, status }, { ...NONE, cycleCommitted: true })).to.equal(false);
    }
  });

  it("Core's books alone never release a lock; NETTED counts as an open batch", function () {
    for (const status of Object.values(GuaranteeStatus)) {
      for (const version of [1, 2])
        expect(lockReleasable({ version, status }, bookFacts({ version, status }))).to.equal(false);
    }
    expect(bookFacts({ version: 1, status: GuaranteeStatus.NETTED }).inOpenBatch).to.equal(true);
    expect(bookFacts({ version: 1, status: GuaranteeStatus.CANCELLED }, { expired: true })).to.deep.equal({
      ...NONE,
      expired: true,
    });
  });
});
