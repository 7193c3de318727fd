import { describe, expect, it } from "vitest";

import { crossingWords, guardrailName, holdLabel } from "./words";

describe("crossingWords", () => {
  it("words each guardrail crossed as the core and the command line do", () => {
    expect(crossingWords({ guardrail: "creates", planned: 1204, limit: 500 })).toBe("1,204 creates, your limit is 500");
    expect(crossingWords({ guardrail: "overwrites", planned: 11, limit: 10 })).toBe(
      "11 records with a non-empty value overwritten, your limit is 10",
    );
    expect(crossingWords({ guardrail: "overwrite-share", planned: 100 / 3, limit: 20 })).toBe(
      "33.3 % of the rows overwrite a non-empty value, your limit is 20 %",
    );
    expect(crossingWords({ guardrail: "archives", planned: 2, limit: 0 })).toBe("2 archives, your limit is 0");
    expect(crossingWords({ guardrail: "failed-share", planned: 11, limit: 10 })).toBe(
      "11 % of the rows written failed, your limit is 10 %",
    );
    expect(crossingWords({ guardrail: "creates", planned: 1, limit: 0 })).toBe("1 create, your limit is 0");
    expect(crossingWords({ guardrail: "archives", planned: 1, limit: 0 })).toBe("1 archive, your limit is 0");
  });

  it("names a guardrail a run stopped at, and a hold's state", () => {
    expect(guardrailName("failed-share")).toBe("failed share");
    expect([holdLabel("held"), holdLabel("approved"), holdLabel("refused")]).toEqual(["Held", "Approved", "Refused"]);
  });
});
