import { describe, expect, it } from "vitest";

import { counted } from "../shared/format";
import { aboutDuration } from "./words";

describe("words for counts and estimates", () => {
  it("says one thing in the singular and any other count in the plural", () => {
    expect(counted(1, "contact")).toBe("1 contact");
    expect(counted(0, "contact")).toBe("0 contacts");
    expect(counted(3, "API call")).toBe("3 API calls");
    expect(counted(2, "property", "properties")).toBe("2 properties");
  });

  it("gives an estimate as about so long, but under a second as it is", () => {
    expect(aboutDuration(0.4)).toBe("under a second");
    expect(aboutDuration(42)).toBe("about 42 s");
    expect(aboutDuration(180)).toBe("about 3 min");
  });
});
