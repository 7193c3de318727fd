import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { CompanyMappingRow } from "../bindings/CompanyMappingRow";
import type { CompanyMappingView } from "../bindings/CompanyMappingView";
import type { CompanyProperty } from "../bindings/CompanyProperty";
import type { Field } from "../bindings/Field";
import * as fieldsIpc from "../fields/ipc";
import { CommandError } from "../shared/commandError";
import { CompaniesScreen } from "./CompaniesScreen";
import * as ipc from "./ipc";

vi.mock("../fields/ipc", () => ({ listFields: vi.fn(), addField: vi.fn() }));

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    listCompanyFields: vi.fn(),
    addCompanyField: vi.fn(),
    removeCompanyField: vi.fn(),
    companyMapping: vi.fn(),
    setCompanyMapping: vi.fn(),
    removeCompanyMapping: vi.fn(),
  };
});

function field(key: string, label: string, type: Field["type"] = "text", builtin = true): Field {
  return { key, label, type, options: [], builtin, position: 0 };
}

function property(overrides: Partial<CompanyProperty> & { name: string }): CompanyProperty {
  return { label: overrides.name, type: "string", field_type: "text", read_only: false, fits: [], ...overrides };
}

function row(overrides: Partial<CompanyMappingRow> & { property: string; field_key: string }): CompanyMappingRow {
  return { source: "company", write_rule: "overwrite", locked: false, problem: null, fit: null, ...overrides };
}

const COMPANY_FIELDS = [
  field("domain", "Domain"),
  field("name", "Name"),
  field("employees", "Employees", "number"),
  field("tier", "Tier", "text", false),
];
const LEAD_FIELDS = [field("email", "Email"), field("company", "Company"), field("signed_up", "Signed up", "boolean")];

function view(overrides: Partial<CompanyMappingView> = {}): CompanyMappingView {
  return {
    rows: [
      row({ property: "domain", field_key: "domain", locked: true }),
      row({ property: "name", field_key: "name" }),
      row({
        property: "hs_num_child_companies",
        field_key: "employees",
        problem: {
          code: "read_only_property",
          message:
            "the HubSpot company property hs_num_child_companies (Number of child companies) is read-only: HubSpot refuses writes to it",
        },
      }),
    ],
    properties: [
      property({ name: "domain", label: "Company Domain Name" }),
      property({ name: "name", label: "Company name" }),
      property({
        name: "numberofemployees",
        label: "Number of Employees",
        type: "number",
        fits: [{ source: "lead", field_key: "signed_up", level: "never", reason: "a boolean field can't fill a number property" }],
      }),
      property({ name: "num_associated_contacts", label: "Associated Contacts", type: "number", read_only: true }),
      property({ name: "city", label: "City" }),
    ],
    unavailable: null,
    ...overrides,
  };
}

beforeEach(() => {
  vi.mocked(fieldsIpc.listFields).mockReset().mockResolvedValue(LEAD_FIELDS);
  vi.mocked(ipc.listCompanyFields).mockReset().mockResolvedValue(COMPANY_FIELDS);
  vi.mocked(ipc.companyMapping).mockReset().mockResolvedValue(view());
  vi.mocked(ipc.setCompanyMapping).mockReset();
  vi.mocked(ipc.removeCompanyMapping).mockReset();
  vi.mocked(ipc.addCompanyField).mockReset();
  vi.mocked(ipc.removeCompanyField).mockReset();
});

function mappingCard(): HTMLElement {
  return screen.getByRole("region", { name: "Company mapping" });
}

describe("CompaniesScreen", () => {
  it("locks the domain row and says what the portal refuses, row by row", async () => {
    render(<CompaniesScreen />);
    const domain = await screen.findByTestId("company-row-domain");
    expect(within(domain).queryByRole("button")).toBeNull();
    expect(within(domain).queryByRole("combobox")).toBeNull();
    expect(domain.textContent).toContain("Locked: companies are matched by their domain");
    expect(domain.textContent).toContain("Domain (company) (fixed)");

    const refused = screen.getByTestId("company-row-hs_num_child_companies");
    expect(within(refused).getByTestId("company-row-problem").textContent).toContain(
      "is read-only: HubSpot refuses writes to it read_only_property",
    );
    expect(screen.getByTestId("company-row-name").querySelector(".field-error")).toBeNull();
  });

  it("fills a row from a lead field picked in its list, and changes its write rule", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setCompanyMapping)
      .mockResolvedValueOnce({
        row: row({ property: "name", source: "lead", field_key: "company" }),
        checked_in_hubspot: true,
        warning: null,
      })
      .mockResolvedValueOnce({
        row: row({ property: "name", source: "lead", field_key: "company", write_rule: "if-empty" }),
        checked_in_hubspot: true,
        warning: null,
      });
    render(<CompaniesScreen />);
    const source = await screen.findByRole<HTMLSelectElement>("combobox", { name: "Field filling Company name" });
    expect(within(source).queryByRole("option", { name: "Domain (company)" })).toBeNull();
    await user.selectOptions(source, "Company (lead)");
    expect(ipc.setCompanyMapping).toHaveBeenLastCalledWith("name", "lead", "company", null);
    expect(within(mappingCard()).getByRole("status").textContent).toBe("name ← Company (lead field).");
    expect(source.value).toBe("lead:company");

    await user.selectOptions(screen.getByRole("combobox", { name: "Write rule for Company name" }), "Only if empty");
    expect(ipc.setCompanyMapping).toHaveBeenLastCalledWith("name", "lead", "company", "if-empty");
    expect(within(mappingCard()).getByRole("status").textContent).toBe("name: Only if empty.");
  });

  it("adds a row from writable properties only, warning when the types look incompatible", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setCompanyMapping).mockResolvedValue({
      row: row({
        property: "numberofemployees",
        source: "lead",
        field_key: "signed_up",
        fit: { level: "never", reason: "a boolean field can't fill a number property" },
      }),
      checked_in_hubspot: true,
      warning: null,
    });
    render(<CompaniesScreen />);
    const picker = await screen.findByRole("listbox", { name: "HubSpot company property" });
    expect(within(picker).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Number of Employees — numberofemployees (number)",
      "City — city (string)",
    ]);
    await user.type(screen.getByRole("searchbox", { name: "Search HubSpot company properties" }), "employ");
    await user.selectOptions(picker, "Number of Employees — numberofemployees (number)");
    await user.selectOptions(screen.getByRole("combobox", { name: "Filled from" }), "Signed up (lead)");
    expect(screen.getByTestId("company-fit-warning").textContent).toBe(
      "These types look incompatible: a boolean field can't fill a number property.",
    );
    await user.click(screen.getByRole("button", { name: "Add row" }));
    expect(ipc.setCompanyMapping).toHaveBeenCalledWith("numberofemployees", "lead", "signed_up", null);
    const added = await screen.findByTestId("company-row-numberofemployees");
    expect(added.textContent).toContain("a boolean field can't fill a number property");
    expect(screen.getByRole<HTMLInputElement>("searchbox", { name: "Search HubSpot company properties" }).value).toBe("");
  });

  it("says why the portal's company properties can't be read, and saves a typed row with its warning", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.companyMapping).mockResolvedValue(
      view({ properties: [], unavailable: "the connection lacks the scope crm.objects.companies.read: companies can't be read" }),
    );
    vi.mocked(ipc.setCompanyMapping).mockResolvedValue({
      row: row({ property: "city", field_key: "name" }),
      checked_in_hubspot: false,
      warning: "the company property city was not checked in HubSpot: the connection lacks the scope",
    });
    render(<CompaniesScreen />);
    expect((await screen.findByTestId("companies-offline")).textContent).toContain("crm.objects.companies.read");
    await user.type(screen.getByRole("textbox", { name: "HubSpot company property (internal name)" }), "city");
    await user.selectOptions(screen.getByRole("combobox", { name: "Filled from" }), "Name (company)");
    await user.click(screen.getByRole("button", { name: "Add row" }));
    expect(ipc.setCompanyMapping).toHaveBeenCalledWith("city", "company", "name", null);
    expect((await screen.findByTestId("companies-save-warning")).textContent).toContain("was not checked in HubSpot");
  });

  it("removes a row, and shows a refusal in words", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.removeCompanyMapping).mockResolvedValue();
    render(<CompaniesScreen />);
    await user.click(await screen.findByRole("button", { name: "Remove Company name" }));
    expect(ipc.removeCompanyMapping).toHaveBeenCalledWith("name");
    expect(screen.queryByTestId("company-row-name")).toBeNull();

    vi.mocked(ipc.setCompanyMapping).mockRejectedValue(
      new CommandError("unknown_property", "HubSpot has no company property \"nope\""),
    );
    await user.selectOptions(
      screen.getByRole("combobox", { name: "Field filling hs_num_child_companies" }),
      "Name (company)",
    );
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The company mapping was not saved");
    expect(alert.textContent).toContain("HubSpot has no company property");
  });

  it("adds a custom company field and removes one only once confirmed, reading the rows again", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.addCompanyField).mockResolvedValue(field("segment", "Segment", "text", false));
    vi.mocked(ipc.removeCompanyField).mockResolvedValue();
    render(<CompaniesScreen />);
    const fields = await screen.findByRole("table", { name: "Company fields" });
    expect(within(fields).getAllByRole("button").map((b) => b.textContent)).toEqual(["Remove Tier"]);

    await user.type(screen.getByRole("textbox", { name: "Key" }), "segment");
    await user.click(screen.getByRole("button", { name: "Add field" }));
    expect(ipc.addCompanyField).toHaveBeenCalledWith({ key: "segment", label: null, kind: "text", options: [] });
    expect(await within(fields).findByRole("row", { name: /Segment/ })).toBeTruthy();

    vi.mocked(ipc.companyMapping).mockClear();
    await user.click(within(fields).getByRole("button", { name: "Remove Tier" }));
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("Remove the company field Tier?");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(ipc.removeCompanyField).not.toHaveBeenCalled();

    await user.click(within(fields).getByRole("button", { name: "Remove Tier" }));
    await user.click(within(await screen.findByTestId("confirm-dialog")).getByRole("button", { name: "Remove field" }));
    expect(ipc.removeCompanyField).toHaveBeenCalledWith("tier");
    expect(within(fields).queryByRole("row", { name: /Tier/ })).toBeNull();
    expect(ipc.companyMapping).toHaveBeenCalledOnce();
  });
});
