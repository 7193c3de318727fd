import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { LeadDetail } from "../bindings/LeadDetail";
import * as fieldsIpc from "../fields/ipc";
import { CommandError } from "../shared/commandError";
import { deferred } from "../test/fixtures";
import * as ipc from "./ipc";
import { LeadsScreen } from "./LeadsScreen";
import { FIELDS, lead, pagesOf } from "./testData";

vi.mock("../fields/ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../fields/ipc")>();
  return { ...actual, listFields: vi.fn() };
});

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    leadsPage: vi.fn(),
    leadDetail: vi.fn(),
    openLeadInHubspot: vi.fn(),
    refreshOwners: vi.fn(),
    exportLeads: vi.fn(),
    openSavedFolder: vi.fn(),
    csvImportInspect: vi.fn(),
  };
});

function detail(overrides: Partial<LeadDetail> = {}): LeadDetail {
  return {
    view: {
      ...lead(2, { hubspot_id: "901", values: { first_name: "Ann", city: "Oslo", owner_email: "olga@acme.test" } }),
      owner: { email: "olga@acme.test", name: "Olga Ng", active: false },
    },
    link: { kind: "hubspot", url: "https://app.hubspot.com/contacts/4412345/record/0-1/901" },
    portal_name: "acme.hubspot.com",
    company: null,
    company_domain: { code: "email", domain: "example.com" },
    deals: [],
    ...overrides,
  };
}

beforeEach(() => {
  vi.mocked(fieldsIpc.listFields).mockReset().mockResolvedValue(FIELDS);
  vi.mocked(ipc.leadsPage).mockReset().mockImplementation(pagesOf(1234));
  vi.mocked(ipc.leadDetail).mockReset().mockResolvedValue(detail());
  vi.mocked(ipc.openLeadInHubspot).mockReset();
  vi.mocked(ipc.refreshOwners).mockReset();
  vi.mocked(ipc.exportLeads).mockReset();
  vi.mocked(ipc.openSavedFolder).mockReset();
  vi.mocked(ipc.csvImportInspect).mockReset();
});

describe("LeadsScreen", () => {
  it("offers to import or pull when the store holds no lead, and the pull button goes to it", async () => {
    vi.mocked(ipc.leadsPage).mockImplementation(pagesOf(0));
    const onPull = vi.fn();
    const user = userEvent.setup();
    render(<LeadsScreen onPull={onPull} />);
    expect(await screen.findByText(/No leads yet\. Add one, import a CSV file/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Pull contacts from HubSpot…" }));
    expect(onPull).toHaveBeenCalledTimes(1);
  });

  it("shows the total and searches once typing pauses", async () => {
    const user = userEvent.setup();
    render(<LeadsScreen />);
    await waitFor(() => {
      expect(screen.getByTestId("leads-total").textContent).toBe("1,234 leads");
    });
    vi.mocked(ipc.leadsPage).mockClear();
    await user.type(screen.getByTestId("leads-search"), "Ann");
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenCalledWith(expect.objectContaining({ search: "Ann", offset: 0 }));
    });
    const searches = vi.mocked(ipc.leadsPage).mock.calls.map(([q]) => q.search);
    expect(searches).not.toContain("A");
    expect(searches).not.toContain("An");
  });

  it("filters by a field, by link and by owner, and removes a filter", async () => {
    const user = userEvent.setup();
    render(<LeadsScreen />);
    await screen.findByText("lead1@example.com");
    await user.selectOptions(screen.getByTestId("filter-target"), "city");
    await user.selectOptions(screen.getByTestId("filter-op"), "equals");
    await user.type(screen.getByTestId("filter-value"), "Oslo");
    await user.click(screen.getByTestId("filter-add"));
    const city = { kind: "field", field: "city", op: "equals", value: "Oslo" };
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(expect.objectContaining({ filters: [city] }));
    });
    await user.selectOptions(screen.getByTestId("filter-target"), "__linked");
    await user.selectOptions(screen.getByTestId("filter-linked"), "no");
    await user.click(screen.getByTestId("filter-add"));
    await user.selectOptions(screen.getByTestId("filter-target"), "__owner");
    await user.type(screen.getByTestId("filter-value"), "olga@acme.test");
    await user.click(screen.getByTestId("filter-add"));
    const all = [city, { kind: "linked", linked: false }, { kind: "owner", email: "olga@acme.test" }];
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(expect.objectContaining({ filters: all }));
    });
    await user.click(screen.getByRole("button", { name: "Remove filter: City is “Oslo”" }));
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(expect.objectContaining({ filters: all.slice(1) }));
    });
  });

  it("filters by the lead's company name or domain, in words on its chip", async () => {
    const user = userEvent.setup();
    render(<LeadsScreen />);
    await screen.findByText("lead1@example.com");
    await user.selectOptions(screen.getByTestId("filter-target"), "__company_domain");
    await user.selectOptions(screen.getByTestId("filter-op"), "contains");
    await user.type(screen.getByTestId("filter-value"), "acme");
    await user.click(screen.getByTestId("filter-add"));
    await user.selectOptions(screen.getByTestId("filter-target"), "__company_name");
    await user.selectOptions(screen.getByTestId("filter-op"), "is_not_empty");
    expect(screen.queryByTestId("filter-value")).toBeNull();
    await user.click(screen.getByTestId("filter-add"));
    const both = [
      { kind: "company", part: "domain", op: "contains", value: "acme" },
      { kind: "company", part: "name", op: "is_not_empty", value: "" },
    ];
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(expect.objectContaining({ filters: both }));
    });
    await user.click(screen.getByRole("button", { name: "Remove filter: Company domain contains “acme”" }));
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(expect.objectContaining({ filters: both.slice(1) }));
    });
    expect(screen.getByRole("button", { name: "Remove filter: Company name is not empty" })).toBeTruthy();
  });

  it("opens a lead's detail with its HubSpot id, link and owner", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.openLeadInHubspot).mockResolvedValue("https://app.hubspot.com/contacts/4412345/record/0-1/901");
    render(<LeadsScreen />);
    await user.click(await screen.findByText("lead2@example.com"));
    const panel = await screen.findByTestId("lead-detail");
    expect(ipc.leadDetail).toHaveBeenCalledWith(2);
    expect(within(panel).getByTestId("lead-hubspot-id").textContent).toBe("901");
    expect(within(panel).getByTestId("lead-owner-name").textContent).toBe("Olga Ng");
    expect(within(panel).getByTestId("lead-owner-email").textContent).toBe("olga@acme.test");
    expect(within(panel).getByTestId("lead-owner-active").textContent).toBe("Deactivated");
    expect(within(panel).getByText("Oslo")).toBeTruthy();
    await user.click(within(panel).getByRole("button", { name: "Open in HubSpot" }));
    expect(ipc.openLeadInHubspot).toHaveBeenCalledWith(2);
  });

  it("opens the lead chosen with the keys in the panel beside the table, which Escape closes", async () => {
    const user = userEvent.setup();
    render(<LeadsScreen />);
    const first = (await screen.findByText("lead1@example.com")).closest<HTMLElement>("[data-testid=lead-row]");
    first?.focus();
    await user.keyboard("{ArrowDown}{Enter}");
    const panel = await screen.findByTestId("lead-detail");
    expect(ipc.leadDetail).toHaveBeenCalledWith(2);
    // Beside the table, not over it: the table is still there to choose another lead.
    expect(screen.getByTestId("leads-table")).toBeTruthy();
    expect(screen.getAllByTestId("lead-row")[1]?.getAttribute("aria-selected")).toBe("true");
    within(panel).getByTestId("lead-edit").focus();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("lead-detail")).toBeNull();
  });

  it("says the sandbox portal has no HubSpot page and an unknown owner is unknown", async () => {
    const user = userEvent.setup();
    const base = detail();
    vi.mocked(ipc.leadDetail).mockResolvedValue({
      ...base,
      link: { kind: "sandbox" },
      view: { ...base.view, owner: { email: "x@y.test", name: null, active: null } },
    });
    render(<LeadsScreen />);
    await user.click(await screen.findByText("lead2@example.com"));
    const panel = await screen.findByTestId("lead-detail");
    expect(within(panel).getByTestId("lead-hubspot-link").textContent).toContain("no HubSpot pages");
    expect(within(panel).queryByRole("button", { name: "Open in HubSpot" })).toBeNull();
    expect(within(panel).getByTestId("lead-owner-active").textContent).toContain("Unknown");
  });

  it("shows the lead clicked last, whichever detail arrives first", async () => {
    const user = userEvent.setup();
    const second = deferred<LeadDetail>();
    const third = deferred<LeadDetail>();
    vi.mocked(ipc.leadDetail).mockImplementation((id) => (id === 2 ? second.promise : third.promise));
    render(<LeadsScreen />);
    await user.click(await screen.findByText("lead2@example.com"));
    await user.click(screen.getByText("lead3@example.com"));
    const base = detail();
    third.resolve({ ...base, view: { ...base.view, id: 3, email: "lead3@example.com" } });
    expect(within(await screen.findByTestId("lead-detail")).getByRole("heading", { level: 2 }).textContent).toBe(
      "lead3@example.com",
    );
    second.resolve(base);
    await act(() => second.promise);
    expect(within(screen.getByTestId("lead-detail")).getByRole("heading", { level: 2 }).textContent).toBe(
      "lead3@example.com",
    );
  });

  it("refreshes the owners and reads the open lead again", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.refreshOwners).mockResolvedValue({ owners: [], live: false, warning: "could not reach HubSpot" });
    render(<LeadsScreen />);
    await user.click(await screen.findByText("lead2@example.com"));
    await screen.findByTestId("lead-detail");
    await user.click(screen.getByTestId("leads-refresh-owners"));
    expect(await screen.findByText("could not reach HubSpot")).toBeTruthy();
    expect(ipc.leadDetail).toHaveBeenCalledTimes(2);
  });

  it("exports and shows where the file went, with a folder button", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.exportLeads).mockResolvedValue({ path: "/home/ann/Downloads/hubsync-leads-20261124-120000.csv", leads: 1234 });
    vi.mocked(ipc.openSavedFolder).mockResolvedValue();
    render(<LeadsScreen />);
    await user.click(await screen.findByTestId("leads-export"));
    expect((await screen.findByTestId("export-path")).textContent).toBe("/home/ann/Downloads/hubsync-leads-20261124-120000.csv");
    await user.click(screen.getByRole("button", { name: "Open folder" }));
    expect(ipc.openSavedFolder).toHaveBeenCalledWith("/home/ann/Downloads/hubsync-leads-20261124-120000.csv");
  });

  it("reads a chosen CSV file and opens the columns step", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.csvImportInspect).mockResolvedValue({
      token: "abc-1",
      file_name: "people.csv",
      delimiter: "comma",
      columns: [{ column: "E-mail", field: "email", matched_by: "label" }],
      samples: [["ann@example.com"]],
    });
    render(<LeadsScreen />);
    await screen.findByText("lead1@example.com");
    const file = new File(["E-mail\nann@example.com\n"], "people.csv", { type: "text/csv" });
    await user.upload(screen.getByTestId("leads-import-file"), file);
    expect(await screen.findByTestId("import-mapping")).toBeTruthy();
    expect(ipc.csvImportInspect).toHaveBeenCalledWith("people.csv", "E-mail\nann@example.com\n");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("import-mapping")).toBeNull();
  });

  it("shows a table error in words", async () => {
    vi.mocked(ipc.leadsPage).mockRejectedValue(new CommandError("unknown_field", "there is no lead field \"x\""));
    render(<LeadsScreen />);
    expect((await screen.findByRole("alert")).textContent).toContain("there is no lead field");
  });
});
