import { describe, expect, it } from "vitest";

import type { FieldChange } from "../bindings/FieldChange";
import type { RowReason } from "../bindings/RowReason";
import type { RunKind } from "../bindings/RunKind";
import { afterWords, reasonSummary, reasonWords, ruleEffect, writeRules } from "./rowWords";

/** One reason of every code, with the kind of run that records it: the type makes it every code. */
const EVERY_REASON: Record<RowReason["code"], { reason: RowReason; kind: RunKind }> = {
  unchanged: { reason: { code: "unchanged" }, kind: "push" },
  "no-match-create-off": { reason: { code: "no-match-create-off" }, kind: "push" },
  "update-off": { reason: { code: "update-off" }, kind: "push" },
  "no-email": { reason: { code: "no-email" }, kind: "pull" },
  "already-in-store": { reason: { code: "already-in-store" }, kind: "pull" },
  "company-rule-left-out": {
    reason: { code: "company-rule-left-out", condition: "company.industry equals COMPUTER_SOFTWARE", no_company: false },
    kind: "pull",
  },
  "email-refused": { reason: { code: "email-refused", detail: "the domain has no top-level domain" }, kind: "push" },
  "no-such-property": { reason: { code: "no-such-property", field: "tier", property: "e2e_tier" }, kind: "push" },
  "value-refused": {
    reason: { code: "value-refused", field: "size", property: "numemployees", detail: "“huge” is not one of its options" },
    kind: "push",
  },
  "pulled-value-refused": {
    reason: { code: "pulled-value-refused", property: "score", field: "score", detail: "“high” is not a number" },
    kind: "pull",
  },
  "stage-backward": { reason: { code: "stage-backward", field: "stage", from: "customer", to: "lead" }, kind: "push" },
  "shared-contact": { reason: { code: "shared-contact", contact_id: "901", winner_email: "ann@example.com" }, kind: "push" },
  "create-met-contact": { reason: { code: "create-met-contact", run_id: 4 }, kind: "undo" },
  "archived-by-run": { reason: { code: "archived-by-run", run_id: 4 }, kind: "undo" },
  "created-kept": { reason: { code: "created-kept", run_id: 4 }, kind: "undo" },
  "contact-gone": { reason: { code: "contact-gone", contact_id: "901" }, kind: "undo" },
  "already-restored": { reason: { code: "already-restored", run_id: 4 }, kind: "undo" },
  "changed-since": { reason: { code: "changed-since", run_id: 4 }, kind: "undo" },
  drift: { reason: { code: "drift", property: "company", now: null, wrote: "Acme", run_id: 4 }, kind: "undo" },
  text: { reason: { code: "text", text: "recorded by an older Hubsync" }, kind: "push" },
};

describe("reasonWords", () => {
  it("words every reason as a sentence that never shows its code", () => {
    for (const [code, { reason, kind }] of Object.entries(EVERY_REASON)) {
      const { why, todo } = reasonWords(reason, kind);
      expect(why, code).toMatch(/^\S.*[.)]$/);
      expect(why, code).not.toContain(code);
      if (todo !== null) {
        expect(todo, code).toMatch(/^[A-Z].*\.$/);
        expect(todo, code).not.toContain(code);
      }
    }
  });

  it("says what turns a skip into a write where a setting or an edit would", () => {
    const todo = (code: RowReason["code"]) => {
      const { reason, kind } = EVERY_REASON[code];
      return reasonWords(reason, kind).todo;
    };
    expect(reasonWords({ code: "no-match-create-off" }, "push")).toEqual({
      why: "No HubSpot contact has this email, and creating contacts is off.",
      todo: "Turn on “Create HubSpot contact when no match is found” in Push rules to create it.",
    });
    expect(todo("update-off")).toBe("Turn on “Update matching HubSpot contact” in Push rules to update it.");
    expect(todo("already-in-store")).toBe("Turn off “New contacts only” in Pull rules to update leads already in the store.");
    expect(todo("email-refused")).toBe("Correct the lead's email on the Leads screen, then preview again.");
    expect(todo("no-such-property")).toBe(
      "Map tier to a property the portal has on the Mapping screen, or create e2e_tier in HubSpot.",
    );
    expect(todo("shared-contact")).toBe("Merge the two leads, or change this lead's email.");
    expect(todo("created-kept")).toBe(
      "Tick “Archive the contacts and companies it created” and preview the undo again to archive it.",
    );
    expect(todo("changed-since")).toContain("Restore every value, even ones changed in HubSpot since this run");
    expect(todo("archived-by-run")).toContain("recycling bin");
    // Nothing to do: the row is as it should be, or nothing in Hubsync can change it.
    for (const code of ["unchanged", "already-restored", "contact-gone", "create-met-contact", "drift", "text"] as const) {
      expect(todo(code), code).toBeNull();
    }
  });

  it("keeps the details a reason carries", () => {
    expect(reasonWords(EVERY_REASON["value-refused"].reason, "push").why).toBe(
      "The lead's size can't be sent as numemployees: “huge” is not one of its options.",
    );
    expect(reasonWords(EVERY_REASON["stage-backward"].reason, "push").why).toBe(
      "HubSpot only moves a lifecycle stage forward, and stage would move it back from “customer” to “lead”.",
    );
    expect(reasonWords(EVERY_REASON.drift.reason, "undo").why).toBe("company is now empty, where run 4 wrote “Acme”.");
    expect(reasonWords({ code: "unchanged" }, "pull").why).toBe("Nothing to write: the lead already holds every mapped value.");
    expect(reasonWords({ code: "text", text: "kept as written." }, "push").why).toBe("kept as written.");
  });

  it("sums a row's reasons up in one line for the list", () => {
    expect(reasonSummary([], "push")).toBe("");
    expect(reasonSummary([{ code: "update-off" }], "push")).toBe(
      "A HubSpot contact has this email, and updating contacts is off.",
    );
    expect(
      reasonSummary([EVERY_REASON["value-refused"].reason, EVERY_REASON["no-such-property"].reason], "push"),
    ).toBe("The lead's size can't be sent as numemployees: “huge” is not one of its options. (and 1 more)");
  });
});

describe("ruleEffect", () => {
  const change = (overrides: Partial<FieldChange>): FieldChange => ({
    field: "company",
    property: "company",
    before: "Old",
    after: "New",
    kept: false,
    ...overrides,
  });

  it("says what the write rule did to each field", () => {
    expect(ruleEffect(change({}), "overwrite", "push")).toBe("Overwrite: the new value replaces HubSpot's.");
    expect(ruleEffect(change({ before: null }), "overwrite", "push")).toBe("Overwrite: the field is empty, so it is filled.");
    expect(ruleEffect(change({ before: "" }), "if-empty", "pull")).toBe("Only if empty: the lead's value is empty, so it is filled.");
    expect(ruleEffect(change({ after: null, kept: true }), "if-empty", "push")).toBe(
      "Only if empty: HubSpot's value is not empty, so it is kept.",
    );
    expect(ruleEffect(change({ after: null }), "overwrite", "push")).toBe("Not written.");
    expect(ruleEffect(change({ after: "" }), null, "undo")).toBe("Restored to its value before the run.");
    // A run whose mapping isn't known: what happened, without the rule.
    expect(ruleEffect(change({}), null, "push")).toBe("Replaced.");
  });

  it("shows the new value, or what happened instead", () => {
    expect(afterWords(change({}), "push")).toBe("New");
    expect(afterWords(change({ after: "" }), "undo")).toBe("(cleared)");
    expect(afterWords(change({ after: null, kept: true }), "pull")).toBe("kept, lead value not empty");
    expect(afterWords(change({ after: null }), "push")).toBe("(not written)");
  });

  it("reads each field's write rule from a run's settings, ignoring what it can't read", () => {
    const rules = writeRules({
      mappings: [
        { field_key: "company", property: "company", write_rule: "if-empty" },
        { field_key: "city", property: "city", write_rule: "overwrite" },
        { field_key: "odd", write_rule: "sometimes" },
        "nonsense",
      ],
    });
    expect([...rules]).toEqual([
      ["company", "if-empty"],
      ["city", "overwrite"],
    ]);
    expect(writeRules({ undo_of: 4 }).size).toBe(0);
    expect(writeRules(null).size).toBe(0);
  });
});
