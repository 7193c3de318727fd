import { describe, expect, it } from "vitest";

import { formatAmount, formatDay } from "./format";

describe("formatAmount", () => {
  it("writes an amount in its currency as the locale writes money", () => {
    expect(formatAmount("1250.5", "EUR", "en-US")).toBe("€1,250.50");
    expect(formatAmount("1250.5", "EUR", "de-DE")).toBe("1.250,50\u00a0€");
    expect(formatAmount("99", "JPY", "en-US")).toBe("¥99");
  });

  it("writes an amount without a currency as a number, and what isn't one as it is", () => {
    expect(formatAmount("1250.5", null, "en-US")).toBe("1,250.5");
    expect(formatAmount("lots", "EUR", "en-US")).toBe("lots EUR");
    expect(formatAmount("12", "not a code", "en-US")).toBe("12 not a code");
  });
});

describe("formatDay", () => {
  it("names the day of a UTC date, whatever the machine's zone", () => {
    expect(formatDay("2026-06-30T00:00:00Z", "en-US")).toBe("Jun 30, 2026");
    expect(formatDay("not a date", "en-US")).toBe("not a date");
  });
});
