import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { ContactProperty } from "../bindings/ContactProperty";
import type { Field } from "../bindings/Field";
import * as fieldsIpc from "../fields/ipc";
import * as fileIpc from "../mappingfile/ipc";
import * as ipc from "./ipc";
import { MappingScreen } from "./MappingScreen";

vi.mock("../mappingfile/ipc", () => ({
  exportMappingFile: vi.fn(),
  previewMappingFile: vi.fn(),
  importMappingFile: vi.fn(),
}));

vi.mock("../fields/ipc", () => ({ listFields: vi.fn() }));

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    listMappings: vi.fn(),
    contactProperties: vi.fn(),
    setMapping: vi.fn(),
    removeMapping: vi.fn(),
  };
});

function field(key: string, label: string, type: Field["type"], builtin = false): Field {
  return { key, label, type, options: [], builtin, position: 0 };
}

function property(overrides: Partial<ContactProperty> & { name: string }): ContactProperty {
  return { label: overrides.name, type: "string", field_type: "text", read_only: false, fits: [], ...overrides };
}

const fields = [
  field("email", "Email", "text", true),
  field("company", "Company", "text", true),
  field("signed_up", "Signed up", "boolean"),
];

beforeEach(() => {
  vi.mocked(fieldsIpc.listFields).mockResolvedValue(fields);
  vi.mocked(ipc.listMappings).mockResolvedValue([
    { field_key: "email", property: "email", write_rule: "overwrite" },
    { field_key: "company", property: "company", write_rule: "if-empty" },
  ]);
  vi.mocked(ipc.contactProperties).mockResolvedValue({
    properties: [
      property({ name: "email", label: "Email" }),
      property({ name: "company", label: "Company name" }),
      property({
        name: "num_employees",
        label: "Number of Employees",
        type: "number",
        fits: [{ field_key: "signed_up", level: "never", reason: "a boolean field can't fill a number property" }],
      }),
      property({ name: "hs_analytics_source", label: "Original Source", type: "enumeration", read_only: true }),
      property({ name: "jobtitle", label: "Job Title" }),
    ],
    unavailable: null,
  });
  vi.mocked(ipc.setMapping).mockReset();
  vi.mocked(ipc.removeMapping).mockReset();
});

describe("MappingScreen", () => {
  it("locks the email row: no remove, the rule fixed", async () => {
    render(<MappingScreen />);
    const email = await screen.findByTestId("mapping-row-email");
    expect(within(email).queryByRole("button")).toBeNull();
    expect(within(email).queryByRole("combobox")).toBeNull();
    expect(email.textContent).toContain("(fixed)");
    expect(email.textContent).toContain("Locked");

    const company = screen.getByTestId("mapping-row-company");
    expect(within(company).getByRole("button", { name: /Remove/ })).toBeTruthy();
    const rule = within(company).getByRole("combobox", { name: "Write rule for Company" });
    expect((rule as HTMLSelectElement).value).toBe("if-empty");
  });

  it("changes a row's write rule and removes a row", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setMapping).mockResolvedValue({
      mapping: { field_key: "company", property: "company", write_rule: "overwrite" },
      checked_in_hubspot: true,
      warning: null,
      fit: null,
    });
    vi.mocked(ipc.removeMapping).mockResolvedValue();
    render(<MappingScreen />);
    const rule = await screen.findByRole("combobox", { name: "Write rule for Company" });
    await user.selectOptions(rule, "overwrite");
    expect(ipc.setMapping).toHaveBeenCalledWith("company", "company", "overwrite");
    expect(await screen.findByText("company → company: Overwrite.")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: /Remove/ }));
    expect(ipc.removeMapping).toHaveBeenCalledWith("company");
    expect(await screen.findByText(/no longer sent to HubSpot/)).toBeTruthy();
    expect(screen.queryByTestId("mapping-row-company")).toBeNull();
  });

  it("offers writable, unmapped properties with label and type, never read-only ones", async () => {
    const user = userEvent.setup();
    render(<MappingScreen />);
    const picker = await screen.findByRole("listbox", { name: "HubSpot property" });
    const offered = within(picker)
      .getAllByRole("option")
      .map((o) => o.textContent);
    expect(offered).toEqual(["Number of Employees — num_employees (number)", "Job Title — jobtitle (string)"]);
    expect(picker.textContent).not.toContain("hs_analytics_source");

    await user.type(screen.getByRole("searchbox", { name: "Search HubSpot properties" }), "job");
    expect(within(picker).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Job Title — jobtitle (string)",
    ]);
  });

  it("shows nothing picked until a property is picked, even a search's only match", async () => {
    const user = userEvent.setup();
    render(<MappingScreen />);
    const picker = await screen.findByRole("listbox", { name: "HubSpot property" });
    expect(within(picker).getAllByRole("option").some((o) => (o as HTMLOptionElement).selected)).toBe(false);
    await user.selectOptions(screen.getByRole("combobox", { name: "Lead field" }), "signed_up");
    await user.type(screen.getByRole("searchbox", { name: "Search HubSpot properties" }), "job");
    const only = within(picker).getByRole<HTMLOptionElement>("option", { name: "Job Title — jobtitle (string)" });
    expect(only.selected).toBe(false);
    expect(screen.getByText(/1 writable property matches/)).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Add row" }).disabled).toBe(true);

    await user.selectOptions(picker, "jobtitle");
    expect(only.selected).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Add row" }).disabled).toBe(false);
  });

  it("warns when the field's type and the property's look incompatible, and saves the row", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setMapping).mockResolvedValue({
      mapping: { field_key: "signed_up", property: "num_employees", write_rule: "overwrite" },
      checked_in_hubspot: true,
      warning: null,
      fit: null,
    });
    render(<MappingScreen />);
    await user.selectOptions(await screen.findByRole("combobox", { name: "Lead field" }), "signed_up");
    await user.selectOptions(screen.getByRole("listbox", { name: "HubSpot property" }), "num_employees");
    expect(screen.getByTestId("fit-warning").textContent).toBe(
      "These types look incompatible: a boolean field can't fill a number property.",
    );

    await user.click(screen.getByRole("button", { name: "Add row" }));
    expect(ipc.setMapping).toHaveBeenCalledWith("signed_up", "num_employees", null);
    expect(await screen.findByTestId("mapping-row-signed_up")).toBeTruthy();
  });

  it("says when the portal can't be reached and still saves, with the warning", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.contactProperties).mockResolvedValue({
      properties: [],
      unavailable: "could not reach HubSpot at https://api.hubapi.com: connection refused",
    });
    vi.mocked(ipc.setMapping).mockResolvedValue({
      mapping: { field_key: "signed_up", property: "signed_up_flag", write_rule: "overwrite" },
      checked_in_hubspot: false,
      warning: "the property signed_up_flag was not checked in HubSpot: could not reach HubSpot",
      fit: null,
    });
    render(<MappingScreen />);
    expect((await screen.findByTestId("offline-notice")).textContent).toContain("connection refused");
    await user.selectOptions(screen.getByRole("combobox", { name: "Lead field" }), "signed_up");
    await user.type(screen.getByRole("textbox", { name: "HubSpot property (internal name)" }), "signed_up_flag");
    await user.click(screen.getByRole("button", { name: "Add row" }));
    expect(ipc.setMapping).toHaveBeenCalledWith("signed_up", "signed_up_flag", null);
    expect((await screen.findByTestId("save-warning")).textContent).toContain("was not checked in HubSpot");
  });

  it("reads the rows again after a mapping file is imported", async () => {
    const user = userEvent.setup();
    const plan = {
      new_fields: [],
      added: [{ field_key: "signed_up", property: "signed_up_flag", write_rule: "overwrite" as const }],
      changed: [],
      removed: [],
      unchanged: 2,
    };
    vi.mocked(fileIpc.previewMappingFile).mockResolvedValue({ plan, checked_in_hubspot: true, warning: null });
    vi.mocked(fileIpc.importMappingFile).mockResolvedValue({ plan, checked_in_hubspot: true, warning: null });
    render(<MappingScreen />);
    await screen.findByTestId("mapping-row-company");
    vi.mocked(ipc.listMappings).mockClear();
    vi.mocked(ipc.listMappings).mockResolvedValue([
      { field_key: "email", property: "email", write_rule: "overwrite" },
      { field_key: "company", property: "company", write_rule: "if-empty" },
      { field_key: "signed_up", property: "signed_up_flag", write_rule: "overwrite" },
    ]);
    await user.upload(screen.getByTestId("mapping-import-file"), new File(["{}"], "mapping.json"));
    await user.click(await screen.findByTestId("mapping-import-confirm"));
    expect(await screen.findByTestId("mapping-row-signed_up")).toBeTruthy();
    expect(ipc.listMappings).toHaveBeenCalledOnce();
  });
});
