import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { CompanyRules } from "../bindings/CompanyRules";
import type { Field } from "../bindings/Field";
import { CommandError } from "../shared/commandError";
import { CompanyRulesCard } from "./CompanyRulesCard";
import * as ipc from "./ipc";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, companyRules: vi.fn(), setCompanyRules: vi.fn(), setCompanyDomainField: vi.fn() };
});

function field(key: string, label: string): Field {
  return { key, label, type: "text", options: [], builtin: true, position: 0 };
}

function rules(overrides: Partial<CompanyRules> = {}): CompanyRules {
  return {
    associate: false,
    create: false,
    domain_field: null,
    domain_field_choices: [field("website", "Website"), field("company", "Company")],
    decided_at: null,
    ...overrides,
  };
}

const CREATE = "Create a HubSpot company when none has the domain";
const ASSOCIATE = "Associate each lead with its company";

beforeEach(() => {
  vi.mocked(ipc.companyRules).mockReset().mockResolvedValue(rules());
  vi.mocked(ipc.setCompanyRules).mockReset();
  vi.mocked(ipc.setCompanyDomainField).mockReset();
});

function card(): HTMLElement {
  return screen.getByRole("region", { name: "Companies" });
}

describe("CompanyRulesCard", () => {
  it("disables creating companies, with the reason, while associating is off", async () => {
    render(<CompanyRulesCard />);
    const create = await screen.findByRole<HTMLInputElement>("checkbox", { name: CREATE });
    expect(create.disabled).toBe(true);
    const reason = screen.getByTestId("company-create-reason");
    expect(reason.textContent).toContain("Turn on “Associate each lead with its company” first");
    expect(create.getAttribute("aria-describedby")).toContain(reason.id);
  });

  it("turns associating on and says which companies scopes the connection lacks", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setCompanyRules).mockResolvedValue({
      rules: rules({ associate: true, decided_at: "2026-05-01T12:00:00Z" }),
      missing_scopes: [
        {
          scope: "crm.objects.companies.write",
          state: "missing",
          source: "probe",
          detail: "companies can't be created or updated",
        },
      ],
      warning:
        "the connection lacks crm.objects.companies.write: a push associates no company until the portal is connected with it",
    });
    render(<CompanyRulesCard />);
    await user.click(await screen.findByRole("checkbox", { name: ASSOCIATE }));
    expect(ipc.setCompanyRules).toHaveBeenCalledExactlyOnceWith(true, false);
    expect(within(card()).getByRole("status").textContent).toBe("Associating is on.");
    const warning = screen.getByTestId("company-rules-warning");
    expect(warning.textContent).toContain("Saved, but the connection lacks a scope");
    expect(warning.textContent).toContain("The connection lacks crm.objects.companies.write");
    expect(warning.textContent).toContain("companies can't be created or updated");
    expect(screen.getByRole<HTMLInputElement>("checkbox", { name: CREATE }).disabled).toBe(false);
  });

  it("turns creating off with associating, and says so", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.companyRules).mockResolvedValue(rules({ associate: true, create: true }));
    vi.mocked(ipc.setCompanyRules).mockResolvedValue({ rules: rules(), missing_scopes: [], warning: null });
    render(<CompanyRulesCard />);
    await user.click(await screen.findByRole("checkbox", { name: ASSOCIATE }));
    expect(ipc.setCompanyRules).toHaveBeenCalledWith(false, false);
    expect(within(card()).getByRole("status").textContent).toContain("creating companies was turned off too");
    expect(screen.queryByTestId("company-rules-warning")).toBeNull();
  });

  it("keeps the rules as they are when asked, which decides them", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setCompanyRules).mockResolvedValue({
      rules: rules({ decided_at: "2026-05-01T12:00:00Z" }),
      missing_scopes: [],
      warning: null,
    });
    render(<CompanyRulesCard />);
    await user.click(await screen.findByRole("button", { name: "Keep these company rules" }));
    expect(ipc.setCompanyRules).toHaveBeenCalledExactlyOnceWith(null, null);
    expect(within(card()).getByRole("status").textContent).toBe("The company rules are kept as they are.");
  });

  it("picks the domain field among the lead fields that can name a domain, and clears it", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setCompanyDomainField)
      .mockResolvedValueOnce(rules({ domain_field: "website" }))
      .mockResolvedValueOnce(rules());
    render(<CompanyRulesCard />);
    const picker = await screen.findByRole<HTMLSelectElement>("combobox", { name: "Domain field" });
    expect(within(picker).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "None: the email’s domain only",
      "Website (website)",
      "Company (company)",
    ]);
    await user.selectOptions(picker, "Website (website)");
    expect(ipc.setCompanyDomainField).toHaveBeenLastCalledWith("website");
    expect(picker.value).toBe("website");
    expect(within(card()).getByRole("status").textContent).toContain("found by its website first");

    await user.selectOptions(picker, "None: the email’s domain only");
    expect(ipc.setCompanyDomainField).toHaveBeenLastCalledWith(null);
    expect(picker.value).toBe("");
  });

  it("shows the store's refusal in words", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.companyRules).mockResolvedValue(rules({ associate: true }));
    vi.mocked(ipc.setCompanyRules).mockRejectedValue(
      new CommandError(
        "create_company_needs_associate",
        "creating companies is only allowed while associating leads with companies is on",
      ),
    );
    render(<CompanyRulesCard />);
    await user.click(await screen.findByRole("checkbox", { name: CREATE }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The company rules were not changed");
    expect(alert.textContent).toContain("Turn on associating leads with their companies first");
  });
});
