import { describe, expect, it } from "vitest";

import type { AssociationReason } from "../bindings/AssociationReason";
import type { CompanyReason } from "../bindings/CompanyReason";
import {
  associationActionLabel,
  associationReasonWords,
  companyActionLabel,
  companyReasonWords,
} from "./companyWords";
import type { ReasonWords } from "./rowWords";

/** One reason of every code: the types make them every code. */
const EVERY_COMPANY_REASON: Record<CompanyReason["code"], CompanyReason> = {
  unchanged: { code: "unchanged" },
  "create-off": { code: "create-off" },
  "missing-scope": { code: "missing-scope", scope: "crm.objects.companies.write" },
  "no-such-property": { code: "no-such-property", field: "tier", property: "e2e_tier" },
  "value-refused": { code: "value-refused", field: "employees", property: "numberofemployees", detail: "“many” is not a number" },
  "stage-backward": { code: "stage-backward", field: "stage", from: "customer", to: "lead" },
  "created-kept": { code: "created-kept", run_id: 7 },
  "company-gone": { code: "company-gone", company_id: "7001" },
  "already-restored": { code: "already-restored", run_id: 7 },
  "changed-since": { code: "changed-since", run_id: 7 },
  drift: { code: "drift", property: "city", now: "Paris", wrote: "Lyon", run_id: 7 },
};

const EVERY_ASSOCIATION_REASON: Record<AssociationReason["code"], AssociationReason> = {
  "already-associated": { code: "already-associated" },
  "no-domain": { code: "no-domain" },
  "free-mail": { code: "free-mail", domain: "gmail.com" },
  "invalid-domain": { code: "invalid-domain", field: "website" },
  "company-not-created": { code: "company-not-created", domain: "acme.com" },
  "company-invalid": { code: "company-invalid", domain: "acme.com" },
  "contact-not-written": { code: "contact-not-written" },
  "missing-scope": { code: "missing-scope", scope: "crm.objects.companies.read" },
  "shared-contact": { code: "shared-contact", contact_id: "901", winner_email: "ann@acme.com" },
  "primary-changed-since": { code: "primary-changed-since", now: "7002", made: "7001", run_id: 7 },
  "contact-archived": { code: "contact-archived", run_id: 7 },
  "already-undone": { code: "already-undone", run_id: 7 },
};

/** Codes that are words too ("a free-mail domain"). */
const CODES_THAT_ARE_WORDS = new Set(["free-mail"]);

function expectSentences(code: string, { why, todo }: ReasonWords) {
  expect(why, code).toMatch(/^\S.*\.$/);
  if (!CODES_THAT_ARE_WORDS.has(code)) expect(why, code).not.toContain(code);
  if (todo !== null) {
    expect(todo, code).toMatch(/^[A-Z].*\.$/);
    if (!CODES_THAT_ARE_WORDS.has(code)) expect(todo, code).not.toContain(code);
  }
}

describe("company and association words", () => {
  it("words every company reason and association reason as sentences that never show the code", () => {
    for (const [code, reason] of Object.entries(EVERY_COMPANY_REASON)) expectSentences(code, companyReasonWords(reason));
    for (const [code, reason] of Object.entries(EVERY_ASSOCIATION_REASON)) {
      expectSentences(code, associationReasonWords(reason));
    }
  });

  it("keeps a reason's particulars and says what would change it", () => {
    expect(companyReasonWords(EVERY_COMPANY_REASON["value-refused"]).why).toBe(
      "The company's employees can't be sent as numberofemployees: “many” is not a number.",
    );
    expect(associationReasonWords(EVERY_ASSOCIATION_REASON["free-mail"])).toEqual({
      why: "gmail.com is a free-mail domain, which names no company.",
      todo: "Fill the lead's domain field, or take gmail.com off the free-mail domains in Push rules if a company uses it.",
    });
    expect(associationReasonWords(EVERY_ASSOCIATION_REASON["company-not-created"]).todo).toContain(
      "“Create a HubSpot company when none has the domain”",
    );
    // Nothing to do: the company or the contact is as it should be.
    expect(companyReasonWords({ code: "unchanged" }).todo).toBeNull();
    expect(associationReasonWords({ code: "already-associated" }).todo).toBeNull();
  });

  it("tells an unchanged company and an association already made apart from the other skips", () => {
    expect(companyActionLabel("skip", [{ code: "unchanged" }])).toBe("unchanged");
    expect(companyActionLabel("skip", [{ code: "create-off" }])).toBe("skip");
    expect(companyActionLabel("create", [])).toBe("create");
    expect(associationActionLabel("skip", { code: "already-associated" })).toBe("already associated");
    expect(associationActionLabel("skip", { code: "no-domain" })).toBe("no association");
    expect(associationActionLabel("associate", null)).toBe("associate");
  });
});
