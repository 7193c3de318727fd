import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { DEFAULT_ROW_HEIGHT } from "../shared/DataTable";
import { COMPANY_PAGE_SIZE } from "./CompanyRows";
import { associationRow, companyRow, companySummary, item } from "./fixtures";
import * as ipc from "./ipc";
import { RunRows } from "./RunRows";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    runItemsPage: vi.fn(),
    runDetail: vi.fn(),
    runCompaniesPage: vi.fn(),
    runAssociationsPage: vi.fn(),
  };
});

const companies = [
  companyRow({
    seq: 0,
    domain: "acme.test",
    company_id: "9001",
    action: "update",
    changes: [{ field: "city", property: "city", before: "Oslo", after: "Bergen", kept: false }],
    notes: ["this domain's leads hold different values of city: lead ada@acme.test's, the most recently changed, is sent"],
  }),
  companyRow({ seq: 1, domain: "globex.test", name: null, action: "create", changes: [{ field: "name", property: "name", before: null, after: "Globex", kept: false }] }),
  companyRow({
    seq: 2,
    domain: "initech.test",
    action: "skip",
    outcome: "skipped",
    reasons: ["no HubSpot company has this domain, and creating companies is off"],
    reason_codes: [{ code: "create-off" }],
  }),
  companyRow({
    seq: 3,
    domain: "umbrella.test",
    company_id: "9004",
    action: "skip",
    outcome: "skipped",
    reasons: ["unchanged"],
    reason_codes: [{ code: "unchanged" }],
  }),
];

const associations = [
  associationRow({ seq: 0, email: "ada@acme.test", domain: "acme.test", company_id: "9001", previous_primary: "7007" }),
  associationRow({ seq: 2, email: "bo@globex.test", domain: "globex.test", contact_id: null }),
  associationRow({
    seq: 5,
    email: "cy@gmail.com",
    domain: null,
    source: null,
    action: "skip",
    outcome: "skipped",
    reason: "gmail.com is a free-mail domain, which names no company",
    reason_code: { code: "free-mail", domain: "gmail.com" },
  }),
];

const summary = companySummary({ update: 1, create: 1, skip: 1, unchanged: 1, associate: 2, no_association: 1 });

beforeEach(() => {
  window.localStorage.clear();
  vi.mocked(ipc.runItemsPage).mockReset();
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 1, offset: 0, items: [item({ email: "ada@acme.test" })] });
  vi.mocked(ipc.runDetail).mockReset();
  vi.mocked(ipc.runDetail).mockReturnValue(new Promise(() => undefined));
  vi.mocked(ipc.runCompaniesPage).mockReset();
  vi.mocked(ipc.runCompaniesPage).mockResolvedValue({ items: companies });
  vi.mocked(ipc.runAssociationsPage).mockReset();
  vi.mocked(ipc.runAssociationsPage).mockResolvedValue({ items: associations });
});

function rowOf(testId: string, key: string, value: string): HTMLElement {
  const found = screen.getAllByTestId(testId).find((r) => r.dataset[key] === value);
  if (!found) throw new Error(`no ${testId} with ${key} ${value}`);
  return found;
}

describe("RunRows", () => {
  it("shows a push's contact rows first, and its companies and associations in tabs counted", async () => {
    render(<RunRows runId={7} kind="push" label="Rows" settings={{}} companies={summary} />);
    await screen.findAllByTestId("preview-row");
    const tabs = screen.getAllByRole("tab").map((t) => [t.textContent, t.getAttribute("aria-selected")]);
    expect(tabs).toEqual([
      ["Contacts", "true"],
      ["Companies (4)", "false"],
      ["Associations (3)", "false"],
    ]);
    // Nothing of the companies is read until their tab is opened.
    expect(ipc.runCompaniesPage).not.toHaveBeenCalled();
  });

  it("lists each company domain's action and, for the chosen one, each field before and after", async () => {
    const user = userEvent.setup();
    render(<RunRows runId={7} kind="push" label="Rows" settings={{}} companies={summary} />);
    await user.click(screen.getByRole("tab", { name: "Companies (4)" }));
    const rows = await screen.findAllByTestId("company-row");
    expect(ipc.runCompaniesPage).toHaveBeenCalledWith(7, -1, COMPANY_PAGE_SIZE);
    expect(rows.map((r) => [r.dataset.domain, r.dataset.action])).toEqual([
      ["acme.test", "update"],
      ["globex.test", "create"],
      ["initech.test", "skip"],
      ["umbrella.test", "unchanged"],
    ]);
    expect(screen.getByRole("tab", { name: "Companies (4)" }).getAttribute("aria-selected")).toBe("true");
    expect(screen.queryByTestId("preview-row")).toBeNull();

    const diff = screen.getByTestId("company-diff");
    expect(diff.dataset.domain).toBe("acme.test");
    const city = within(diff).getByTestId("field-change");
    expect(within(city).getByTestId("field-before").textContent).toBe("Oslo");
    expect(within(city).getByTestId("field-after").textContent).toBe("Bergen");
    expect(within(diff).getByText(/leads hold different values of city/)).toBeTruthy();
    await waitFor(() => {
      expect(screen.getByTestId("company-page").textContent).toBe("Company rows 1–4 of 4");
    });

    // A skipped company says why in words, and what would change it; never its code.
    const skipped = rowOf("company-row", "domain", "initech.test");
    expect(skipped.textContent).toContain("No HubSpot company has this domain, and creating companies is off.");
    expect(skipped.textContent).not.toContain("create-off");
    await user.click(skipped);
    const why = within(screen.getByTestId("company-diff")).getByTestId("company-reason");
    expect(why.dataset.code).toBe("create-off");
    expect(why.textContent).toContain(
      "Turn on “Create a HubSpot company when none has the domain” in Push rules to create it.",
    );
  });

  it("lists each lead's association: its company domain, why it gets none, its previous primary", async () => {
    const user = userEvent.setup();
    render(<RunRows runId={7} kind="push" label="Rows" settings={{}} companies={summary} />);
    await user.click(screen.getByRole("tab", { name: "Associations (3)" }));
    const rows = await screen.findAllByTestId("association-row");
    expect(ipc.runAssociationsPage).toHaveBeenCalledWith(7, -1, COMPANY_PAGE_SIZE);
    expect(rows.map((r) => [r.dataset.email, r.dataset.domain, r.dataset.action])).toEqual([
      ["ada@acme.test", "acme.test", "associate"],
      ["bo@globex.test", "globex.test", "associate"],
      ["cy@gmail.com", "", "skip"],
    ]);
    expect(within(screen.getByTestId("association-detail")).getByTestId("association-previous").textContent).toBe("7007");

    const free = rowOf("association-row", "email", "cy@gmail.com");
    expect(free.textContent).toContain("no association");
    expect(free.textContent).toContain("gmail.com is a free-mail domain, which names no company.");
    await user.click(free);
    const detail = screen.getByTestId("association-detail");
    expect(detail.dataset.email).toBe("cy@gmail.com");
    const reason = within(detail).getByTestId("association-reason");
    expect(reason.dataset.code).toBe("free-mail");
    expect(reason.textContent).toContain("gmail.com is a free-mail domain, which names no company.");
    expect(within(reason).getByTestId("row-todo").textContent).toContain("Fill the lead's domain field");
  });

  it("moves between the tabs with the arrow keys", async () => {
    const user = userEvent.setup();
    render(<RunRows runId={7} kind="push" label="Rows" settings={{}} companies={summary} />);
    await screen.findAllByTestId("preview-row");
    screen.getByRole("tab", { name: "Contacts" }).focus();
    await user.keyboard("{ArrowRight}");
    expect(document.activeElement).toBe(screen.getByRole("tab", { name: "Companies (4)" }));
    await screen.findAllByTestId("company-row");
    await user.keyboard("{ArrowLeft}{ArrowLeft}");
    expect(screen.getByRole("tab", { name: "Associations (3)" }).getAttribute("aria-selected")).toBe("true");
    await screen.findAllByTestId("association-row");
  });

  it("reads the companies of a big push a page at a time, each after the last row read", async () => {
    const total = 250;
    vi.mocked(ipc.runCompaniesPage).mockImplementation((_run, afterSeq, limit) => {
      // Sparse keys: a page is found by the key of the row before it, never by its place.
      const first = afterSeq < 0 ? 0 : afterSeq / 10 + 1;
      const count = Math.max(0, Math.min(limit, total - first));
      return Promise.resolve({
        items: Array.from({ length: count }, (_, i) =>
          companyRow({ seq: (first + i) * 10, domain: `d${String(first + i)}.test` }),
        ),
      });
    });
    render(
      <RunRows runId={7} kind="push" label="Rows" settings={{}} companies={companySummary({ create: total })} />,
    );
    await userEvent.setup().click(screen.getByRole("tab", { name: "Companies (250)" }));
    await screen.findByText("d0.test", { selector: "[role=gridcell]" });
    expect(screen.getAllByTestId("company-row").length).toBeLessThan(60);

    const list = screen.getByRole("grid", { name: "Company rows of run 7" });
    fireEvent.scroll(list, { target: { scrollTop: 240 * DEFAULT_ROW_HEIGHT } });
    await screen.findByText("d249.test", { selector: "[role=gridcell]" });
    // The last page is read after the second's last row, the second after the first's.
    expect(vi.mocked(ipc.runCompaniesPage).mock.calls.map(([, after]) => after)).toEqual([-1, 990, 1990]);
  });

  it("says a push without a company part has none, on both tabs", async () => {
    const user = userEvent.setup();
    render(<RunRows runId={7} kind="push" label="Rows" settings={{}} />);
    await user.click(screen.getByRole("tab", { name: "Companies" }));
    expect(screen.getByTestId("companies-none").textContent).toContain("don’t associate contacts with companies");
    await user.click(screen.getByRole("tab", { name: "Associations" }));
    expect(screen.getByTestId("companies-none")).toBeTruthy();
    expect(ipc.runCompaniesPage).not.toHaveBeenCalled();
    expect(ipc.runAssociationsPage).not.toHaveBeenCalled();
  });

  it("shows a pull's rows without tabs", async () => {
    render(<RunRows runId={7} kind="pull" label="Rows" settings={{}} />);
    await screen.findAllByTestId("preview-row");
    expect(screen.queryByRole("tab")).toBeNull();
  });

  it("shows a live run's company outcomes and HubSpot's error", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runCompaniesPage).mockResolvedValue({
      items: [
        companyRow({ seq: 0, domain: "acme.test", outcome: "created", company_id: "9100" }),
        companyRow({ seq: 1, domain: "bad.test", outcome: "failed", error: "HubSpot refused it (400): Property values were not valid" }),
      ],
    });
    render(
      <RunRows runId={8} kind="push" label="Rows" settings={{}} companies={companySummary({ create: 2, created: 1, failed: 1 })} />,
    );
    await user.click(screen.getByRole("tab", { name: "Companies (2)" }));
    const created = (await screen.findAllByTestId("company-row"))[0];
    expect(created?.textContent).toContain("create · created");
    const failed = rowOf("company-row", "domain", "bad.test");
    expect(within(failed).getByTestId("company-row-error").textContent).toBe(
      "HubSpot refused it (400): Property values were not valid",
    );
    await user.click(failed);
    expect(screen.getByTestId("company-diff-error").textContent).toContain("Property values were not valid");
  });
});
