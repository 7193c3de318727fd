import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { LeadPage } from "../bindings/LeadPage";
import type { LeadSort } from "../bindings/LeadSort";
import { StoreChangesContext } from "../shared/storeChanges";
import { deferred } from "../test/fixtures";
import * as ipc from "./ipc";
import { LeadTable, PAGE_SIZE, ROW_HEIGHT } from "./LeadTable";
import { FIELDS, lead, pagesOf } from "./testData";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, leadsPage: vi.fn() };
});

const noop = () => undefined;

function Table({ onSelect = noop, reloadKey = 0 }: { onSelect?: (id: number) => void; reloadKey?: number }) {
  const [sort, setSort] = useState<LeadSort>({ key: { kind: "id" }, descending: false });
  return (
    <LeadTable
      fields={FIELDS}
      search=""
      filters={[]}
      sort={sort}
      onSort={setSort}
      reloadKey={reloadKey}
      selectedId={null}
      onSelect={onSelect}
      onTotal={noop}
      onError={noop}
    />
  );
}

beforeEach(() => {
  vi.mocked(ipc.leadsPage).mockReset();
  vi.mocked(ipc.leadsPage).mockImplementation(pagesOf(100_000));
});

describe("LeadTable", () => {
  it("renders only a window of rows out of 100,000 and reads pages as it scrolls", async () => {
    render(<Table />);
    await screen.findByText("lead1@example.com");
    const rows = screen.getAllByTestId("lead-row");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]?.getAttribute("data-email")).toBe("lead1@example.com");
    expect(ipc.leadsPage).toHaveBeenCalledTimes(1);
    const table = screen.getByTestId("leads-table");
    expect(table.getAttribute("aria-rowcount")).toBe("100001");

    fireEvent.scroll(table, { target: { scrollTop: 75_000 * ROW_HEIGHT } });
    await screen.findByText("lead75001@example.com");
    const asked = vi.mocked(ipc.leadsPage).mock.calls.map(([q]) => q.offset);
    expect(asked).toContain(Math.floor(75_000 / PAGE_SIZE) * PAGE_SIZE);
    expect(asked.length).toBeLessThan(5);
    const shown = screen.getAllByTestId("lead-row");
    expect(shown.length).toBeLessThan(60);
    expect(screen.queryByText("lead1@example.com")).toBeNull();
  });

  it("sorts by a clicked header, ascending then descending, and says so with aria-sort", async () => {
    const user = userEvent.setup();
    render(<Table />);
    await screen.findByText("lead1@example.com");
    const header = screen.getByRole("button", { name: "City" });
    await user.click(header);
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(
        expect.objectContaining({ sort: { key: { kind: "field", key: "city" }, descending: false }, offset: 0 }),
      );
    });
    expect(header.closest("[role=columnheader]")?.getAttribute("aria-sort")).toBe("ascending");
    await user.click(header);
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(
        expect.objectContaining({ sort: { key: { kind: "field", key: "city" }, descending: true } }),
      );
    });
    expect(header.closest("[role=columnheader]")?.getAttribute("aria-sort")).toBe("descending");
    const email = screen.getByRole("button", { name: "Email" });
    expect(email.closest("[role=columnheader]")?.getAttribute("aria-sort")).toBe("none");
  });

  it("shows each lead's company name and domain, in the column chooser and sortable", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.leadsPage).mockImplementation(
      pagesOf(300, (id) => (id % 2 === 1 ? { name: `Company ${String(id)}`, domain: `co${String(id)}.test` } : null)),
    );
    render(<Table />);
    await screen.findByText("Company 1");
    const names = screen.getAllByTestId("lead-company-name").map((c) => c.textContent);
    const domains = screen.getAllByTestId("lead-company-domain").map((c) => c.textContent);
    expect(names.slice(0, 3)).toEqual(["Company 1", "", "Company 3"]);
    expect(domains.slice(0, 3)).toEqual(["co1.test", "", "co3.test"]);

    await user.click(screen.getByRole("button", { name: "Company domain" }));
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenLastCalledWith(
        expect.objectContaining({ sort: { key: { kind: "company", part: "domain" }, descending: false }, offset: 0 }),
      );
    });
    await user.click(screen.getByRole("button", { name: /^Columns/ }));
    const menu = screen.getByRole("group", { name: "Columns to show in Leads" });
    await user.click(within(menu).getByLabelText("Company name"));
    expect(screen.queryByRole("columnheader", { name: /Company name/ })).toBeNull();
    expect(screen.queryAllByTestId("lead-company-name")).toHaveLength(0);
  });

  it("opens a row with a click or Enter", async () => {
    const user = userEvent.setup();
    const onSelect = vi.fn();
    render(<Table onSelect={onSelect} />);
    const row = (await screen.findByText("lead3@example.com")).closest<HTMLElement>("[data-testid=lead-row]");
    if (!row) throw new Error("no row");
    await user.click(row);
    expect(onSelect).toHaveBeenLastCalledWith(3);
    row.focus();
    await user.keyboard("{ArrowDown}{Enter}");
    expect(onSelect).toHaveBeenLastCalledWith(4);
  });

  it("reads the rows in view again after a reload, where the table is", async () => {
    const { rerender } = render(<Table />);
    await screen.findByText("lead1@example.com");
    const table = screen.getByTestId("leads-table");
    fireEvent.scroll(table, { target: { scrollTop: 5_000 * ROW_HEIGHT } });
    await screen.findByText("lead5001@example.com");
    vi.mocked(ipc.leadsPage).mockClear();
    rerender(<Table reloadKey={1} />);
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenCalledWith(expect.objectContaining({ offset: 4_900 }));
    });
    expect(await screen.findByText("lead5001@example.com")).toBeTruthy();
    expect(ipc.leadsPage).not.toHaveBeenCalledWith(expect.objectContaining({ offset: 0 }));
  });

  it("reads the first page again after a reload of an empty table, and shows the leads an import added", async () => {
    vi.mocked(ipc.leadsPage).mockImplementation(pagesOf(0));
    const { rerender } = render(<Table />);
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenCalledTimes(1);
    });
    expect(screen.queryAllByTestId("lead-row")).toHaveLength(0);
    vi.mocked(ipc.leadsPage).mockImplementation(pagesOf(3));
    rerender(<Table reloadKey={1} />);
    expect(await screen.findByText("lead1@example.com")).toBeTruthy();
    expect(screen.getAllByTestId("lead-row")).toHaveLength(3);
  });

  it("reads the rows in view again when another process changed the store", async () => {
    const { rerender } = render(
      <StoreChangesContext.Provider value={0}>
        <Table />
      </StoreChangesContext.Provider>,
    );
    await screen.findByText("lead1@example.com");
    vi.mocked(ipc.leadsPage).mockClear();
    const page = deferred<LeadPage>();
    vi.mocked(ipc.leadsPage).mockReturnValue(page.promise);
    rerender(
      <StoreChangesContext.Provider value={1}>
        <Table />
      </StoreChangesContext.Provider>,
    );
    await waitFor(() => {
      expect(ipc.leadsPage).toHaveBeenCalledWith(expect.objectContaining({ offset: 0 }));
    });
    // Until the new page arrives the rows read before stay, rather than blink to "Loading…".
    expect(screen.getByText("lead1@example.com")).toBeTruthy();
    expect(screen.queryByText("Loading…")).toBeNull();
    page.resolve({ leads: Array.from({ length: PAGE_SIZE }, (_, i) => lead(i + 1)), total: 100_001, companies: [] });
    await waitFor(() => {
      expect(screen.getByTestId("leads-table").getAttribute("aria-rowcount")).toBe("100002");
    });
  });

  it("offers what fills an empty store when it holds no lead, and says no match when a search finds none", async () => {
    vi.mocked(ipc.leadsPage).mockImplementation(pagesOf(0));
    const props = {
      fields: FIELDS,
      filters: [],
      sort: { key: { kind: "id" }, descending: false } as LeadSort,
      onSort: noop,
      reloadKey: 0,
      selectedId: null,
      onSelect: noop,
      onTotal: noop,
      onError: noop,
      whenEmpty: <p>No leads yet.</p>,
    };
    const { rerender } = render(<LeadTable {...props} search="" />);
    expect(await screen.findByText("No leads yet.")).toBeTruthy();
    rerender(<LeadTable {...props} search="ada" />);
    expect(await screen.findByText("No lead matches.")).toBeTruthy();
    expect(screen.queryByText("No leads yet.")).toBeNull();
  });

  it("says when nothing matches", async () => {
    vi.mocked(ipc.leadsPage).mockImplementation(pagesOf(0));
    render(<Table />);
    expect(await screen.findByText("No lead matches.")).toBeTruthy();
    expect(screen.queryAllByTestId("lead-row")).toHaveLength(0);
  });
});
