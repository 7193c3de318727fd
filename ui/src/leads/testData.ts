// Data the Leads screen's tests share.

import type { Field } from "../bindings/Field";
import type { Lead } from "../bindings/Lead";
import type { LeadCompanyCells } from "../bindings/LeadCompanyCells";
import type { LeadPage } from "../bindings/LeadPage";
import type { LeadQuery } from "../bindings/LeadQuery";

export const FIELDS: Field[] = [
  { key: "email", label: "Email", type: "text", options: [], builtin: true, position: 0 },
  { key: "first_name", label: "First name", type: "text", options: [], builtin: true, position: 1 },
  { key: "city", label: "City", type: "text", options: [], builtin: true, position: 7 },
  {
    key: "company_size",
    label: "Company size",
    type: "single_choice",
    options: ["1-5", "5-25"],
    builtin: true,
    position: 9,
  },
  { key: "score", label: "Score", type: "number", options: [], builtin: false, position: 15 },
];

export function lead(id: number, overrides: Partial<Lead> = {}): Lead {
  return {
    id,
    email: `lead${String(id)}@example.com`,
    hubspot_id: null,
    owner_id: null,
    values: { first_name: `Name ${String(id)}` },
    created_at: "2026-05-01T12:00:00.000Z",
    updated_at: "2026-05-01T12:00:00.000Z",
    ...overrides,
  };
}

/**
 * A store of `total` leads: the page a query asks for, generated, each lead with the company
 * `companyOf` gives it (none by default).
 */
export function pagesOf(
  total: number,
  companyOf: (id: number) => Omit<LeadCompanyCells, "lead_id"> | null = () => null,
): (query: LeadQuery) => Promise<LeadPage> {
  return (query) => {
    const end = Math.min(total, query.offset + query.limit);
    const leads = [];
    const companies: LeadCompanyCells[] = [];
    for (let i = query.offset; i < end; i += 1) {
      leads.push(lead(i + 1));
      const company = companyOf(i + 1);
      if (company !== null) companies.push({ lead_id: i + 1, ...company });
    }
    return Promise.resolve({ leads, total, companies });
  };
}
