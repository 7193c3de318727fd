import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { COMPANY_PAGE_SIZE } from "../sync/CompanyRows";
import {
  associationRow,
  companySummary,
  counts,
  item,
  progress,
  ran,
  run,
  summary,
  syncJobEvents,
} from "../sync/fixtures";
import * as ipc from "../sync/ipc";
import { chartData, chartSummary } from "./chart";
import { HistoryScreen } from "./HistoryScreen";
import { settingsLines } from "./settings";
import { SyncJobProvider } from "../sync/SyncJobProvider";
import { confirmProductionRun } from "../test/confirm";

vi.mock("../sync/ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../sync/ipc")>();
  return {
    ...actual,
    runsList: vi.fn(),
    runDetail: vi.fn(),
    runItemsPage: vi.fn(),
    runAssociationsPage: vi.fn(),
    syncJobStatus: vi.fn(),
    undoPreview: vi.fn(),
    syncRun: vi.fn(),
    resumeRun: vi.fn(),
    onSyncJob: vi.fn(),
  };
});

// Held runs have their tests (HeldRuns.test.tsx): none waits here.
vi.mock("../guardrails/ipc", () => ({ heldRuns: vi.fn(() => Promise.resolve([])) }));

let events = syncJobEvents();

const push = run({ id: 12, counts: counts({ update: 3, create: 2, updated: 3, created: 1, failed: 1 }) });
const interrupted = run({
  id: 11,
  started_at: "2026-11-20T08:00:00.000Z",
  ended_at: "2026-11-20T08:01:00.000Z",
  status: "interrupted",
  stop_reason: "cancelled in the app",
  counts: counts({ update: 10, updated: 4, pending: 6 }),
});
const older = run({
  id: 5,
  started_at: "2026-11-18T09:00:00.000Z",
  ended_at: "2026-11-18T09:00:01.000Z",
  counts: counts({ create: 7, created: 7 }),
});
const preview = run({ id: 10, mode: "preview", counts: counts({ update: 10 }), ended_at: "2026-11-20T10:00:00.100Z" });

beforeEach(() => {
  vi.resetAllMocks();
  events = syncJobEvents();
  vi.mocked(ipc.onSyncJob).mockImplementation(events.listen);
  vi.mocked(ipc.syncJobStatus).mockResolvedValue(null);
  vi.mocked(ipc.runsList).mockResolvedValue([push, preview, interrupted, older]);
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 1, offset: 0, items: [item({ outcome: "updated" })] });
});

describe("chartData", () => {
  it("adds up live runs per day, oldest first, leaving previews out", () => {
    const days = chartData([push, preview, interrupted, older]);
    expect(days).toEqual([
      { day: "2026-11-18", runs: 1, changed: 7, failed: 0 },
      { day: "2026-11-20", runs: 2, changed: 8, failed: 1 },
    ]);
    expect(chartSummary(days)).toBe("3 live runs from 2026-11-18 to 2026-11-20: 15 records changed, 1 failed.");
    expect(chartSummary([])).toContain("No live runs yet");
  });
});

describe("settingsLines", () => {
  it("words an undo's options, the rules, the mapping and the picked leads", () => {
    const lines = settingsLines({
      undo_of: 4,
      archive_created: true,
      rules: { update: true, create: false },
      mappings: [{ field_key: "company", property: "company", write_rule: "if-empty" }],
      emails: ["ada@example.test"],
    });
    expect(lines).toEqual([
      { label: "Undoes", value: "run 4" },
      { label: "Options", value: "archive created contacts: on, force: off" },
      { label: "Push rules", value: "update on, create off" },
      { label: "Mapping", value: "company → company (if-empty)" },
      { label: "Leads", value: "ada@example.test" },
    ]);
    expect(settingsLines(null)).toEqual([]);
  });
});

describe("HistoryScreen", () => {
  it("lists every run with its kind, mode, status, counts and API calls, and charts them", async () => {
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    const rows = await screen.findAllByTestId("run-row");
    expect(rows.map((r) => [r.dataset.runId, r.dataset.kind, r.dataset.mode, r.dataset.status])).toEqual([
      ["12", "push", "live", "completed"],
      ["10", "push", "preview", "completed"],
      ["11", "push", "live", "interrupted"],
      ["5", "push", "live", "completed"],
    ]);
    expect(screen.getAllByTestId("run-changed").map((c) => c.textContent)).toEqual(["4", "10 planned", "4", "7"]);
    expect(screen.getAllByTestId("run-failed").map((c) => c.textContent)).toEqual(["1", "0", "0", "0"]);
    expect(rows[0]?.textContent).toContain("3.5 s");
    const chart = screen.getByTestId("runs-chart");
    expect(within(chart).getByRole("img").textContent).toContain("Records changed and failed per day");
    expect(
      within(chart)
        .getAllByTestId("chart-day")
        .map((d) => [d.dataset.day, d.dataset.changed, d.dataset.failed]),
    ).toEqual([
      ["2026-11-18", "7", "0"],
      ["2026-11-20", "8", "1"],
    ]);
    expect(within(chart).getByTestId("chart-summary").textContent).toBe(
      "3 live runs from 2026-11-18 to 2026-11-20: 15 records changed, 1 failed.",
    );
  });

  it("sorts the runs by a header, and opens the run a row is chosen with the keyboard", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runDetail).mockResolvedValue({ run: older, undo_runs: [], portal_name: null });
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    await screen.findAllByTestId("run-row");
    const ids = () => screen.getAllByTestId("run-row").map((r) => r.dataset.runId);
    await user.click(screen.getByRole("button", { name: "Changed" }));
    // 4, 4, 7 and 10 planned: the two of 4 stay in the order they came.
    expect(ids()).toEqual(["12", "11", "5", "10"]);
    await user.click(screen.getByRole("button", { name: "Started" }));
    await user.click(screen.getByRole("button", { name: "Started" }));
    expect(ids()).toEqual(["12", "10", "11", "5"]);
    expect(screen.getByRole("button", { name: "Started" }).closest("[role=columnheader]")?.getAttribute("aria-sort")).toBe(
      "descending",
    );

    const rows = screen.getAllByTestId("run-row");
    rows[0]?.focus();
    await user.keyboard("{End}{Enter}");
    const detail = await screen.findByTestId("run-detail");
    expect(within(detail).getByRole("heading", { level: 2 }).textContent).toBe("Run 5: push (live), completed");
    expect(ipc.runDetail).toHaveBeenCalledWith(5);
    expect(screen.getAllByTestId("run-row")[3]?.getAttribute("aria-selected")).toBe("true");
  });

  it("opens a push with a company part: its company and association outcomes, and their rows in tabs", async () => {
    const user = userEvent.setup();
    const companies = companySummary({ create: 1, created: 1, associate: 2, associated: 1, association_failed: 1 });
    vi.mocked(ipc.runDetail).mockResolvedValue({ run: push, undo_runs: [], portal_name: "acme.hubspot.com", companies });
    vi.mocked(ipc.runAssociationsPage).mockResolvedValue({
      items: [
        associationRow({ seq: 0, email: "ada@acme.com", outcome: "associated" }),
        associationRow({
          seq: 1,
          email: "bo@acme.com",
          outcome: "failed",
          error: "not associated: the lead's contact was not written",
        }),
      ],
    });
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    await user.click(await screen.findByRole("button", { name: "Open run 12" }));
    const detail = await screen.findByTestId("run-detail");
    expect(within(detail).getByTestId("detail-companies").textContent).toBe(
      "0 update, 1 create, 0 unchanged, 0 skip, 0 invalid; 0 updated, 1 created, 0 failed, 0 pending",
    );
    expect(within(detail).getByTestId("detail-associations").textContent).toBe(
      "2 associate, 0 already, 0 without one; 1 associated, 1 failed, 0 pending",
    );
    await user.click(within(detail).getByRole("tab", { name: "Associations (2)" }));
    const rows = await within(detail).findAllByTestId("association-row");
    expect(rows.map((r) => [r.dataset.email, r.dataset.outcome])).toEqual([
      ["ada@acme.com", "associated"],
      ["bo@acme.com", "failed"],
    ]);
    expect(within(detail).getByTestId("association-row-error").textContent).toBe(
      "not associated: the lead's contact was not written",
    );
    expect(ipc.runAssociationsPage).toHaveBeenCalledWith(12, -1, COMPANY_PAGE_SIZE);
  });

  it("opens an undo that took a push's companies back: its counts in undo words, its association rows in a tab", async () => {
    const user = userEvent.setup();
    const undo = run({ id: 13, kind: "undo", counts: counts({ update: 2, updated: 2 }) });
    vi.mocked(ipc.runsList).mockResolvedValue([undo, push]);
    const companies = companySummary({ update: 1, updated: 1, archive: 1, archived: 1, unassociate: 1, unassociated: 1 });
    vi.mocked(ipc.runDetail).mockResolvedValue({ run: undo, undo_runs: [], portal_name: "acme.hubspot.com", companies });
    vi.mocked(ipc.runAssociationsPage).mockResolvedValue({
      items: [
        associationRow({
          seq: 0,
          email: "ada@acme.com",
          action: "unassociate",
          previous_primary: "7002",
          outcome: "unassociated",
        }),
      ],
    });
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    await user.click(await screen.findByRole("button", { name: "Open run 13" }));
    const detail = await screen.findByTestId("run-detail");
    expect(within(detail).getByTestId("detail-companies").textContent).toBe(
      "1 restore, 1 archive, 0 skip; 1 restored, 1 archived, 0 failed, 0 pending",
    );
    expect(within(detail).getByTestId("detail-associations").textContent).toBe(
      "1 take back, 0 skip; 1 taken back, 0 failed, 0 pending",
    );
    expect(within(detail).getByRole("tab", { name: "Companies (2)" })).toBeTruthy();
    await user.click(within(detail).getByRole("tab", { name: "Associations (1)" }));
    const rows = await within(detail).findAllByTestId("association-row");
    expect(rows.map((r) => [r.dataset.email, r.dataset.outcome])).toEqual([["ada@acme.com", "unassociated"]]);
    expect(within(detail).getByText("take back")).toBeTruthy();
  });

  it("opens a run and undoes it through its own preview and confirmation", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runDetail).mockResolvedValue({ run: push, undo_runs: [], portal_name: "acme.hubspot.com" });
    vi.mocked(ipc.undoPreview).mockResolvedValue(
      summary({ run_id: 13, kind: "undo", undo_of: 12, counts: counts({ update: 3, archive: 1 }), writes: 4 }),
    );
    vi.mocked(ipc.syncRun).mockResolvedValue(
      ran(run({ id: 14, kind: "undo", counts: counts({ update: 3, archive: 1, updated: 3, archived: 1 }) })),
    );
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    await user.click(await screen.findByRole("button", { name: "Open run 12" }));
    const detail = await screen.findByTestId("run-detail");
    expect(within(detail).getByTestId("detail-outcomes").textContent).toBe(
      "3 updated, 1 created, 0 archived, 1 failed, 0 pending",
    );
    expect(within(detail).getByText("update on, create on")).toBeTruthy();
    await within(detail).findByTestId("preview-row");
    expect(within(detail).getByTestId("run-filter-outcome")).toBeTruthy();

    await user.click(within(detail).getByLabelText("Archive the contacts and companies it created (they are kept otherwise)"));
    await user.click(within(detail).getByTestId("run-undo"));
    expect(ipc.undoPreview).toHaveBeenCalledWith(12, { archiveCreated: true, force: false });
    const shown = await within(detail).findByTestId("preview-summary");
    expect(shown.textContent).toContain("Undo preview of run 12 (run 13)");
    expect(within(shown).getByTestId("preview-count-archive").textContent).toBe("1");
    await user.click(within(detail).getByTestId("sync-run"));
    const dialog = screen.getByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("Undo run 12?");
    expect(within(dialog).getByTestId("confirm-counts").textContent).toBe("restore 3 contactsarchive 1 contact");
    await confirmProductionRun(user);
    expect(ipc.syncRun).toHaveBeenCalledWith(13);
    const result = await within(detail).findByTestId("sync-result");
    expect(within(result).getByTestId("result-archived").textContent).toBe("1");
    // The history is read again with the new runs.
    expect(vi.mocked(ipc.runsList).mock.calls.length).toBeGreaterThan(1);
  });

  it("opens the run again, with its undo preview's progress, after History was left", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runDetail).mockResolvedValue({ run: push, undo_runs: [], portal_name: "acme.hubspot.com" });
    vi.mocked(ipc.undoPreview).mockReturnValue(new Promise(() => undefined));
    const { rerender } = render(<HistoryScreen key="first" />, { wrapper: SyncJobProvider });
    await user.click(await screen.findByRole("button", { name: "Open run 12" }));
    await user.click(await screen.findByTestId("run-undo"));
    act(() => {
      events.progress({ kind: "undo", progress: progress({ phase: "reading", done: 2, total: 5 }) });
    });
    rerender(<p>Another screen</p>);
    expect(screen.queryByTestId("run-detail")).toBeNull();
    rerender(<HistoryScreen key="second" />);
    const detail = await screen.findByTestId("run-detail");
    expect(within(detail).getByTestId("preview-progress").textContent).toContain("Reading HubSpot: 2 of 5");
    expect(within(detail).getByTestId("preview-cancel")).toBeTruthy();
  });

  it("resumes an interrupted run", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runDetail).mockResolvedValue({ run: interrupted, undo_runs: [], portal_name: null });
    vi.mocked(ipc.resumeRun).mockResolvedValue(run({ id: 11, counts: counts({ update: 10, updated: 10 }) }));
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    await user.click(await screen.findByRole("button", { name: "Open run 11" }));
    const detail = await screen.findByTestId("run-detail");
    expect(detail.textContent).toContain("6 rows were not written: cancelled in the app");
    await user.click(within(detail).getByTestId("run-resume"));
    expect(ipc.resumeRun).toHaveBeenCalledWith(11);
    expect((await within(detail).findByTestId("result-updated")).textContent).toBe("10");
    // The run is read again with its new counts (and once more by the result, for its companies).
    await waitFor(() => {
      expect(ipc.runDetail).toHaveBeenCalledTimes(3);
    });
  });
});
