// History and guardrails: runs marked held, approved, refused, by their schedule or by the
// guardrail they stopped at; the held runs waiting on top; a held run's Approve once and Refuse.

import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { RunDetail } from "../bindings/RunDetail";
import * as guardrails from "../guardrails/ipc";
import { counts, hold, item, run, syncJobEvents } from "../sync/fixtures";
import * as ipc from "../sync/ipc";
import { SyncJobProvider } from "../sync/SyncJobProvider";
import { confirmProductionRun } from "../test/confirm";
import { HistoryScreen } from "./HistoryScreen";

vi.mock("../sync/ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../sync/ipc")>()),
  runsList: vi.fn(),
  runDetail: vi.fn(),
  runItemsPage: vi.fn(),
  syncJobStatus: vi.fn(),
  onSyncJob: vi.fn(),
}));
vi.mock("../guardrails/ipc", () => ({ heldRuns: vi.fn(), approveHeldRun: vi.fn(), refuseHeldRun: vi.fn() }));

const held = run({ id: 7, mode: "preview", hold: "held", schedule_id: 3, counts: counts({ create: 1204 }) });
const approved = run({ id: 5, mode: "preview", hold: "approved" });
const stopped = run({
  id: 6,
  status: "interrupted",
  stopped_by: "failed-share",
  schedule_id: 3,
  stop_reason: "it stopped itself: 11 % of the rows written failed, your limit is 10 %",
  counts: counts({ update: 200, updated: 89, failed: 11, pending: 100 }),
});
const refused = run({ id: 4, mode: "preview", hold: "refused" });

function detailOf(shown = held, overrides: Partial<RunDetail> = {}): RunDetail {
  return { run: shown, undo_runs: [], portal_name: "acme.hubspot.com", hold: hold({ run_id: shown.id }), ...overrides };
}

beforeEach(() => {
  vi.resetAllMocks();
  const events = syncJobEvents();
  vi.mocked(ipc.onSyncJob).mockImplementation(events.listen);
  vi.mocked(ipc.syncJobStatus).mockResolvedValue(null);
  vi.mocked(ipc.runsList).mockResolvedValue([held, stopped, approved, refused]);
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 1, offset: 0, items: [item({ action: "create" })] });
  vi.mocked(guardrails.heldRuns).mockResolvedValue([hold()]);
});

describe("History and guardrails", () => {
  it("marks held, approved and refused runs, a schedule's runs and a run a guardrail stopped", async () => {
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    const rows = await screen.findAllByTestId("run-row");
    const marks = rows.map((r) => within(r).queryAllByTestId("run-mark").map((m) => m.textContent));
    expect(marks).toEqual([["Held", "Schedule 3"], ["Stopped: failed share", "Schedule 3"], ["Approved"], ["Refused"]]);
  });

  it("lists the runs waiting for approval on top, with what they crossed, and opens one", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runDetail).mockResolvedValue(detailOf());
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    const waiting = await screen.findByTestId("held-runs");
    const [line] = within(waiting).getAllByTestId("held-run-line");
    expect(line?.textContent).toMatch(/^Open run 7 Push of schedule 3, held .+: 1,204 creates, your limit is 500$/);
    await user.click(within(waiting).getByRole("button", { name: "Open run 7" }));
    const detail = await screen.findByTestId("run-detail");
    expect(within(detail).getByTestId("detail-schedule").textContent).toBe("Schedule 3");
    const panel = within(detail).getByTestId("held-run");
    expect(within(panel).getByTestId("held-reasons").textContent).toBe("1,204 creates, your limit is 500");
    expect(within(panel).getByRole("button", { name: "Approve once…" })).toBeTruthy();
  });

  it("shows nothing on top while no run waits", async () => {
    vi.mocked(guardrails.heldRuns).mockResolvedValue([]);
    render(<HistoryScreen />, { wrapper: SyncJobProvider });
    await screen.findAllByTestId("run-row");
    expect(screen.queryByTestId("held-runs")).toBeNull();
  });

  it("approves a held run once from its detail: confirmed, run as a job, then marked approved", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runDetail).mockResolvedValue(detailOf());
    render(<HistoryScreen openRun={7} />, { wrapper: SyncJobProvider });
    const panel = await screen.findByTestId("held-run");
    vi.mocked(guardrails.approveHeldRun).mockResolvedValue(run({ id: 9, counts: counts({ created: 1204 }) }));
    vi.mocked(ipc.runDetail).mockImplementation((id) =>
      Promise.resolve(
        id === 7
          ? detailOf(run({ ...held, hold: "approved" }), {
              hold: hold({ state: "approved", decided_at: "2026-11-20T11:00:00Z", approved_run_id: 9 }),
            })
          : { run: run({ id }), undo_runs: [], portal_name: null },
      ),
    );
    await user.click(within(panel).getByRole("button", { name: "Approve once…" }));
    await confirmProductionRun(user);
    expect(guardrails.approveHeldRun).toHaveBeenCalledExactlyOnceWith(7);
    expect((await screen.findByTestId("sync-result")).querySelector("h3")?.textContent).toBe("Run 9 completed");
    const decided = await screen.findByText(/^Held by a guardrail, then approved/);
    expect(decided.closest("[data-testid=held-run]")?.textContent).toContain("It ran as run 9.");
    expect(ipc.runsList).toHaveBeenCalledTimes(2);
  });

  it("refuses a held run from its detail once confirmed, and says it never ran", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.runDetail).mockResolvedValue(detailOf());
    vi.mocked(guardrails.refuseHeldRun).mockResolvedValue(
      hold({ state: "refused", decided_at: "2026-11-20T11:00:00Z" }),
    );
    render(<HistoryScreen openRun={7} />, { wrapper: SyncJobProvider });
    const panel = await screen.findByTestId("held-run");
    await user.click(within(panel).getByRole("button", { name: "Refuse…" }));
    await user.click(within(screen.getByRole("dialog", { name: "Refuse held run 7?" })).getByRole("button", { name: "Refuse it" }));
    expect(guardrails.refuseHeldRun).toHaveBeenCalledExactlyOnceWith(7);
    const decided = await screen.findByText(/^Held by a guardrail, then refused/);
    expect(decided.closest("[data-testid=held-run]")?.textContent).toContain("It never ran: nothing was written.");
    expect(screen.queryByRole("button", { name: "Approve once…" })).toBeNull();
  });
});
