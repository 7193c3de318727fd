import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { CommandError } from "../shared/commandError";
import { item } from "./fixtures";
import * as ipc from "./ipc";
import { PAGE_SIZE, PreviewTable } from "./PreviewTable";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, runItemsPage: vi.fn() };
});

const rows = [
  item({
    seq: 0,
    email: "ada@example.test",
    changes: [
      { field: "company", property: "company", before: "Old Co", after: "New Co", kept: false },
      { field: "phone", property: "phone", before: "+1 555", after: null, kept: true },
    ],
  }),
  item({ seq: 1, email: "bob@example.test", action: "create", contact_id: null }),
  item({
    seq: 2,
    email: "cy@example.test",
    action: "invalid",
    outcome: "invalid",
    reasons: ["phone: “abc” is not a phone number"],
  }),
  item({ seq: 3, email: "di@example.test", action: "skip", outcome: "skipped", reasons: ["unchanged"] }),
];

beforeEach(() => {
  vi.mocked(ipc.runItemsPage).mockReset();
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 4, offset: 0, items: rows });
});

/** The `i`th element, which the test expects to be there. */
function nth(list: HTMLElement[], i: number): HTMLElement {
  const element = list[i];
  if (element === undefined) throw new Error(`no element ${String(i)} of ${String(list.length)}`);
  return element;
}

const all = { action: null, outcome: null, pending: false, search: null };

describe("PreviewTable", () => {
  it("shows each row with its action and each field's current and new value", async () => {
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    const found = await screen.findAllByTestId("preview-row");
    expect(ipc.runItemsPage).toHaveBeenCalledWith(7, all, 0, PAGE_SIZE);
    expect(found.map((r) => [r.dataset.email, r.dataset.action])).toEqual([
      ["ada@example.test", "update"],
      ["bob@example.test", "create"],
      ["cy@example.test", "invalid"],
      ["di@example.test", "skip"],
    ]);
    const changes = within(nth(found, 0)).getAllByTestId("field-change");
    const [company, phone] = [nth(changes, 0), nth(changes, 1)];
    expect(company.dataset.field).toBe("company");
    expect(within(company).getByTestId("field-before").textContent).toBe("Old Co");
    expect(within(company).getByTestId("field-after").textContent).toBe("New Co");
    expect(phone.dataset.field).toBe("phone");
    expect(phone.textContent).toContain("kept, HubSpot value not empty");
    expect(within(phone).getByTestId("field-before").textContent).toBe("+1 555");
    expect(within(nth(found, 2)).getByTestId("row-reason").textContent).toBe("phone: “abc” is not a phone number");
    expect(found[3]?.textContent).toContain("unchanged");
    expect(screen.getByTestId("preview-page").textContent).toBe("Rows 1–4 of 4");
  });

  it("filters by action and searches by email, from the first page", async () => {
    const user = userEvent.setup();
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await screen.findAllByTestId("preview-row");
    await user.selectOptions(screen.getByTestId("preview-filter-action"), "create");
    expect(ipc.runItemsPage).toHaveBeenLastCalledWith(7, { ...all, action: "create" }, 0, PAGE_SIZE);
    await user.type(screen.getByTestId("preview-search"), "BO");
    expect(ipc.runItemsPage).toHaveBeenLastCalledWith(7, { ...all, action: "create", search: "BO" }, 0, PAGE_SIZE);
    await user.selectOptions(screen.getByTestId("preview-filter-action"), "");
    expect(ipc.runItemsPage).toHaveBeenLastCalledWith(7, { ...all, search: "BO" }, 0, PAGE_SIZE);
  });

  it("pages through a big run and stops at its ends", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runItemsPage).mockImplementation((_run, _filter, offset) =>
      Promise.resolve({
        total: 120,
        offset,
        items: Array.from({ length: Math.min(PAGE_SIZE, 120 - offset) }, (_, i) =>
          item({ seq: offset + i, email: `r${String(offset + i)}@example.test` }),
        ),
      }),
    );
    render(<PreviewTable runId={7} kind="push" label="Rows" />);
    await screen.findByText("Rows 1–50 of 120");
    const previous = screen.getByRole("button", { name: "Previous" });
    const next = screen.getByRole("button", { name: "Next" });
    expect(previous).toHaveProperty("disabled", true);
    await user.click(next);
    await screen.findByText("Rows 51–100 of 120");
    await user.click(next);
    await screen.findByText("Rows 101–120 of 120");
    expect(screen.getAllByTestId("preview-row")).toHaveLength(20);
    expect(next).toHaveProperty("disabled", true);
    expect(ipc.runItemsPage).toHaveBeenLastCalledWith(7, all, 100, PAGE_SIZE);
    await user.click(previous);
    await screen.findByText("Rows 51–100 of 120");
  });

  it("shows only the failed rows with HubSpot's error when asked", async () => {
    vi.mocked(ipc.runItemsPage).mockResolvedValue({
      total: 1,
      offset: 0,
      items: [item({ outcome: "failed", error: "Property values were not valid: phone" })],
    });
    render(<PreviewTable runId={9} kind="push" outcome="failed" label="Failed rows" />);
    expect((await screen.findByTestId("row-error")).textContent).toBe("Property values were not valid: phone");
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
