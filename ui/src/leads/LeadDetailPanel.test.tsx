import { render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import type { LeadDeal } from "../bindings/LeadDeal";
import type { LeadDetail } from "../bindings/LeadDetail";
import { formatAmount, formatDay } from "../shared/format";
import { LeadDetailPanel } from "./LeadDetailPanel";
import { FIELDS, lead } from "./testData";

vi.mock("./ipc", () => ({ openLeadInHubspot: vi.fn() }));

function deal(overrides: Partial<LeadDeal> & { deal_id: string }): LeadDeal {
  return {
    name: `Deal ${overrides.deal_id}`,
    pipeline_id: "default",
    pipeline_label: "Sales Pipeline",
    stage_id: "appointmentscheduled",
    stage_label: "Appointment scheduled",
    amount: null,
    currency: null,
    close_date: null,
    closed: false,
    won: null,
    read_at: "2026-05-01T12:00:00Z",
    ...overrides,
  };
}

function detail(overrides: Partial<LeadDetail> = {}): LeadDetail {
  return {
    view: { ...lead(2, { email: "ann@acme.com", hubspot_id: "901" }), owner: null },
    link: null,
    portal_name: "acme.hubspot.com",
    company: {
      source: "email",
      company: {
        id: 5,
        domain: "acme.com",
        domain_key: "acme.com",
        origin: "local",
        hubspot_id: "9001",
        values: { name: "Acme Corp" },
        created_at: "2026-05-01T12:00:00Z",
        updated_at: "2026-05-01T12:00:00Z",
      },
    },
    company_domain: { code: "email", domain: "acme.com" },
    deals: [
      deal({ deal_id: "8" }),
      deal({
        deal_id: "7",
        name: "Acme renewal",
        stage_id: "closedwon",
        stage_label: "Closed won",
        amount: "1250.5",
        currency: "EUR",
        close_date: "2026-06-30T00:00:00Z",
        closed: true,
        won: true,
      }),
      deal({ deal_id: "6", name: "Acme pilot", closed: true, won: false, amount: "300", currency: null }),
    ],
    ...overrides,
  };
}

function panel(value: LeadDetail) {
  render(<LeadDetailPanel detail={value} fields={FIELDS} onEdit={vi.fn()} onClose={vi.fn()} />);
  return screen.getByTestId("lead-detail");
}

describe("LeadDetailPanel", () => {
  it("shows the lead's company with its domain, HubSpot id and how it was found", () => {
    panel(detail());
    const company = screen.getByTestId("lead-company");
    expect(company.textContent).toContain("Acme Corp");
    expect(company.textContent).toContain("acme.com");
    expect(company.textContent).toContain("Company ID in acme.hubspot.com");
    expect(screen.getByTestId("lead-company-hubspot-id").textContent).toBe("9001");
    expect(company.textContent).toContain("By the lead’s email domain");
  });

  it("shows each deal's stage, amount in its currency, close date and whether it is open, won or lost", () => {
    panel(detail());
    const deals = within(screen.getByTestId("lead-deals")).getAllByRole("listitem");
    expect(deals.map((d) => d.querySelector(".lead-deal-name")?.textContent)).toEqual([
      "Deal 8 Open",
      "Acme renewal Won",
      "Acme pilot Lost",
    ]);
    const renewal = deals[1];
    if (renewal === undefined) throw new Error("no second deal");
    expect(renewal.textContent).toContain("Closed won (Sales Pipeline)");
    expect(renewal.textContent).toContain(formatAmount("1250.5", "EUR"));
    expect(renewal.textContent).toContain(formatDay("2026-06-30T00:00:00Z"));
    expect(deals[0]?.textContent).toContain("Amount—");
    expect(deals[2]?.textContent).toContain(formatAmount("300", null));
  });

  it("says why a lead has no company, and that no deal was read", () => {
    panel(detail({ company: null, company_domain: { code: "free_mail", domain: "gmail.com" }, deals: [] }));
    expect(screen.getByTestId("lead-company-none").textContent).toBe(
      "None: gmail.com is a free-mail domain, which names no company.",
    );
    expect(screen.getByTestId("lead-deals-none").textContent).toContain("a pull reads a linked lead’s deals");
  });
});
