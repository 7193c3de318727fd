import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { CommandError } from "../shared/commandError";
import { DEFAULT_ROW_HEIGHT } from "../shared/DataTable";
import { item, run } from "./fixtures";
import * as ipc from "./ipc";
import { PAGE_SIZE, PreviewTable } from "./PreviewTable";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, runItemsPage: vi.fn(), runDetail: vi.fn() };
});

const SETTINGS = {
  rules: { update: true, create: false },
  mappings: [
    { field_key: "company", property: "company", write_rule: "overwrite" },
    { field_key: "phone", property: "phone", write_rule: "if-empty" },
  ],
};

const rows = [
  item({
    seq: 0,
    email: "ada@example.test",
    changes: [
      { field: "company", property: "company", before: "Old Co", after: "New Co", kept: false },
      { field: "phone", property: "phone", before: "+1 555", after: null, kept: true },
    ],
    record: { city: "Oslo" },
  }),
  item({ seq: 1, email: "bob@example.test", action: "create", contact_id: null }),
  item({
    seq: 2,
    email: "cy@example.test",
    action: "invalid",
    outcome: "invalid",
    reasons: ["phone → phone: “abc” is not a phone number"],
    reason_codes: [{ code: "value-refused", field: "phone", property: "phone", detail: "“abc” is not a phone number" }],
  }),
  item({
    seq: 3,
    email: "di@example.test",
    action: "skip",
    outcome: "skipped",
    contact_id: null,
    reasons: ["no matching contact, and creating contacts is off"],
    reason_codes: [{ code: "no-match-create-off" }],
  }),
];

beforeEach(() => {
  vi.mocked(ipc.runItemsPage).mockReset();
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 4, offset: 0, items: rows });
  vi.mocked(ipc.runDetail).mockReset();
  vi.mocked(ipc.runDetail).mockResolvedValue({
    run: run({ id: 7, mode: "preview", settings: SETTINGS }),
    undo_runs: [],
    portal_name: null,
  });
  window.localStorage.clear();
});

function row(email: string): HTMLElement {
  const found = screen.getAllByTestId("preview-row").find((r) => r.dataset.email === email);
  if (!found) throw new Error(`no row ${email}`);
  return found;
}

function change(field: string): HTMLElement {
  const found = within(screen.getByTestId("preview-diff"))
    .getAllByTestId("field-change")
    .find((c) => c.dataset.field === field);
  if (!found) throw new Error(`no change of ${field}`);
  return found;
}

const all = { action: null, outcome: null, pending: false, search: null };

describe("PreviewTable", () => {
  it("lists the rows beside the first row's change, field by field, with what its write rule did", async () => {
    render(<PreviewTable runId={7} kind="push" label="Rows" settings={SETTINGS} />);
    const found = await screen.findAllByTestId("preview-row");
    expect(ipc.runItemsPage).toHaveBeenCalledWith(7, all, 0, PAGE_SIZE);
    expect(found.map((r) => [r.dataset.email, r.dataset.action])).toEqual([
      ["ada@example.test", "update"],
      ["bob@example.test", "create"],
      ["cy@example.test", "invalid"],
      ["di@example.test", "skip"],
    ]);
    expect(row("ada@example.test").getAttribute("aria-selected")).toBe("true");
    expect(row("ada@example.test").textContent).toContain("1 field, 1 kept");

    const diff = screen.getByTestId("preview-diff");
    expect(diff.dataset.email).toBe("ada@example.test");
    const company = change("company");
    expect(within(company).getByTestId("field-before").textContent).toBe("Old Co");
    expect(within(company).getByTestId("field-after").textContent).toBe("New Co");
    expect(within(company).getByTestId("field-rule").textContent).toBe("Overwrite: the new value replaces HubSpot's.");
    const phone = change("phone");
    expect(within(phone).getByTestId("field-before").textContent).toBe("+1 555");
    expect(within(phone).getByTestId("field-after").textContent).toBe("kept, HubSpot value not empty");
    expect(within(phone).getByTestId("field-rule").textContent).toBe(
      "Only if empty: HubSpot's value is not empty, so it is kept.",
    );
    expect(within(diff).getByText("Oslo")).toBeTruthy();
    await waitFor(() => {
      expect(screen.getByTestId("preview-page").textContent).toBe("Rows 1–4 of 4");
    });
    // The settings came with the run: nothing more is read.
    expect(ipc.runDetail).not.toHaveBeenCalled();
  });

  it("says why a row is skipped or invalid in words, with what to do, never as a code", async () => {
    const user = userEvent.setup();
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await screen.findAllByTestId("preview-row");
    const skipped = row("di@example.test");
    expect(skipped.textContent).toContain("No HubSpot contact has this email, and creating contacts is off.");
    expect(skipped.textContent).not.toContain("no-match-create-off");

    await user.click(skipped);
    const diff = screen.getByTestId("preview-diff");
    expect(diff.dataset.email).toBe("di@example.test");
    expect(within(diff).getByText("Why it is skipped")).toBeTruthy();
    const reason = within(diff).getByTestId("row-reason");
    expect(reason.textContent).not.toContain("no-match-create-off");
    expect(within(reason).getByTestId("row-todo").textContent).toBe(
      "Turn on “Create HubSpot contact when no match is found” in Push rules to create it.",
    );

    await user.click(row("cy@example.test"));
    const invalid = within(screen.getByTestId("preview-diff"));
    expect(invalid.getByText("Why it can't be written")).toBeTruthy();
    expect(invalid.getByTestId("row-reason").textContent).toContain(
      "The lead's phone can't be sent as phone: “abc” is not a phone number",
    );
  });

  it("moves the change shown with the arrow keys", async () => {
    const user = userEvent.setup();
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await screen.findAllByTestId("preview-row");
    await user.click(row("bob@example.test"));
    expect(screen.getByTestId("preview-diff").dataset.email).toBe("bob@example.test");
    await user.keyboard("{ArrowDown}");
    expect(screen.getByTestId("preview-diff").dataset.email).toBe("cy@example.test");
    expect(row("cy@example.test").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(row("cy@example.test"));
  });

  it("reads the run's write rules when not given them", async () => {
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await waitFor(() => {
      expect(within(change("company")).getByTestId("field-rule").textContent).toBe(
        "Overwrite: the new value replaces HubSpot's.",
      );
    });
    expect(ipc.runDetail).toHaveBeenCalledWith(7);
  });

  it("filters by action and searches by email, from the first row", async () => {
    const user = userEvent.setup();
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await screen.findAllByTestId("preview-row");
    await user.selectOptions(screen.getByTestId("preview-filter-action"), "create");
    await waitFor(() => {
      expect(ipc.runItemsPage).toHaveBeenLastCalledWith(7, { ...all, action: "create" }, 0, PAGE_SIZE);
    });
    await user.type(screen.getByTestId("preview-search"), "BO");
    await waitFor(() => {
      expect(ipc.runItemsPage).toHaveBeenLastCalledWith(7, { ...all, action: "create", search: "BO" }, 0, PAGE_SIZE);
    });
    await user.selectOptions(screen.getByTestId("preview-filter-action"), "");
    await waitFor(() => {
      expect(ipc.runItemsPage).toHaveBeenLastCalledWith(7, { ...all, search: "BO" }, 0, PAGE_SIZE);
    });
  });

  it("draws only the rows in view of a big run and reads its pages as the list scrolls", async () => {
    vi.mocked(ipc.runItemsPage).mockImplementation((_run, _filter, offset, limit) =>
      Promise.resolve({
        total: 100_000,
        offset,
        items: Array.from({ length: Math.min(limit, 100_000 - offset) }, (_, i) =>
          item({ seq: offset + i, email: `r${String(offset + i)}@example.test` }),
        ),
      }),
    );
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await screen.findByText("r0@example.test", { selector: "[role=gridcell]" });
    expect(screen.getAllByTestId("preview-row").length).toBeLessThan(60);
    await waitFor(() => {
      expect(screen.getByTestId("preview-page").textContent).toMatch(/^Rows 1–\d+ of 100,000$/);
    });

    const list = screen.getByRole("grid", { name: "Rows" });
    fireEvent.scroll(list, { target: { scrollTop: 50_000 * DEFAULT_ROW_HEIGHT } });
    await screen.findByText("r50000@example.test", { selector: "[role=gridcell]" });
    const asked = vi.mocked(ipc.runItemsPage).mock.calls.map(([, , offset]) => offset);
    expect(asked).toContain(50_000);
    expect(asked.length).toBeLessThan(5);
    expect(screen.queryByText("r0@example.test", { selector: "[role=gridcell]" })).toBeNull();
    // The first row's change stays shown until another is chosen.
    expect(screen.getByTestId("preview-diff").dataset.email).toBe("r0@example.test");
  });

  it("shows only the failed rows with HubSpot's error when asked", async () => {
    vi.mocked(ipc.runItemsPage).mockResolvedValue({
      total: 1,
      offset: 0,
      items: [item({ outcome: "failed", error: "Property values were not valid: phone" })],
    });
    render(<PreviewTable runId={9} kind="push" outcome="failed" label="Failed rows" />);
    expect((await screen.findByTestId("row-error")).textContent).toBe("Property values were not valid: phone");
    expect(screen.getByTestId("diff-error").textContent).toBe("Property values were not valid: phone");
    expect(ipc.runItemsPage).toHaveBeenCalledWith(9, { ...all, outcome: "failed" }, 0, PAGE_SIZE);
    expect(screen.queryByTestId("preview-filter-action")).toBeNull();
  });

  it("says so when the rows can't be read", async () => {
    vi.mocked(ipc.runItemsPage).mockRejectedValue(new CommandError("run_not_found", "run 7 does not exist"));
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await waitFor(() => {
      expect(screen.getByRole("alert").textContent).toContain("run 7 does not exist");
    });
  });
});
