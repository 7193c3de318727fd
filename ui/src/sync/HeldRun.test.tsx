// A preview a guardrail would hold, from the Sync screen: the warning before the run, the hold
// it comes to, and approving it once (with its progress) or refusing it.

import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Run } from "../bindings/Run";
import * as guardrailsIpc from "../guardrails/ipc";
import { CommandError } from "../shared/commandError";
import { confirmProductionRun } from "../test/confirm";
import { deferred } from "../test/fixtures";
import { counts, hold, held, item, jobStatus, progress, run, summary, syncJobEvents } from "./fixtures";
import * as ipc from "./ipc";
import { SyncJobProvider } from "./SyncJobProvider";
import { SyncScreen } from "./SyncScreen";

vi.mock("./ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./ipc")>()),
  syncPreview: vi.fn(),
  syncRun: vi.fn(),
  runItemsPage: vi.fn(),
  runDetail: vi.fn(),
  syncJobStatus: vi.fn(),
  onSyncJob: vi.fn(),
}));
vi.mock("../guardrails/ipc", () => ({ approveHeldRun: vi.fn(), refuseHeldRun: vi.fn() }));

let events = syncJobEvents();

const CROSSED = summary({
  crossed: [
    { guardrail: "creates", planned: 1204, limit: 500 },
    { guardrail: "overwrite-share", planned: 27.5, limit: 20 },
  ],
});

beforeEach(() => {
  vi.resetAllMocks();
  events = syncJobEvents();
  vi.mocked(ipc.onSyncJob).mockImplementation(events.listen);
  vi.mocked(ipc.syncJobStatus).mockResolvedValue(null);
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 1, offset: 0, items: [item()] });
  vi.mocked(ipc.runDetail).mockImplementation((id) => Promise.resolve({ run: run({ id }), undo_runs: [], portal_name: null }));
});

async function previewed(user: ReturnType<typeof userEvent.setup>, shown = CROSSED) {
  vi.mocked(ipc.syncPreview).mockResolvedValue(shown);
  render(<SyncScreen />, { wrapper: SyncJobProvider });
  await user.click(screen.getByTestId("sync-preview"));
  await screen.findByTestId("preview-summary");
}

/** Runs the previewed sync that a guardrail holds, and waits for the hold. */
async function heldRun(user: ReturnType<typeof userEvent.setup>) {
  vi.mocked(ipc.syncRun).mockResolvedValue(held(hold({ crossed: CROSSED.crossed })));
  await previewed(user);
  await user.click(screen.getByRole("button", { name: "Run — will be held for approval…" }));
  await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Run — hold for approval" }));
  return screen.findByTestId("held-run");
}

describe("a preview a guardrail would hold", () => {
  it("says so above the Run button, one line per limit, and the button says what running does", async () => {
    const user = userEvent.setup();
    await previewed(user, summary({ crossed: [{ guardrail: "creates", planned: 1204, limit: 500 }] }));
    expect(screen.getByTestId("preview-crossed").querySelector(".notice-title")?.textContent).toBe(
      "A live run would be held: 1,204 creates, your limit is 500",
    );
    expect(screen.getByTestId("sync-run").textContent).toBe("Run — will be held for approval…");
  });

  it("lists every limit crossed, and asks no portal name to hold a run that writes nothing", async () => {
    const user = userEvent.setup();
    await previewed(user);
    const warning = screen.getByTestId("preview-crossed");
    expect(within(warning).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "1,204 creates, your limit is 500",
      "27.5 % of the rows overwrite a non-empty value, your limit is 20 %",
    ]);
    await user.click(screen.getByTestId("sync-run"));
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).queryByTestId("confirm-portal-name")).toBeNull();
    expect(dialog.textContent).toContain("It then waits in History until you approve it once or refuse it.");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(ipc.syncRun).not.toHaveBeenCalled();
  });

  it("shows a preview without crossings as before", async () => {
    const user = userEvent.setup();
    await previewed(user, summary());
    expect(screen.queryByTestId("preview-crossed")).toBeNull();
    expect(screen.getByTestId("sync-run").textContent).toBe("Run for real…");
  });
});

describe("a held run on the Sync screen", () => {
  it("shows that nothing was written and why, then approves it once, with progress, to its result", async () => {
    const user = userEvent.setup();
    const panel = await heldRun(user);
    expect(ipc.syncRun).toHaveBeenCalledWith(7);
    expect(within(panel).getByText("Held by a guardrail, nothing written")).toBeTruthy();
    expect(within(panel).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "1,204 creates, your limit is 500",
      "27.5 % of the rows overwrite a non-empty value, your limit is 20 %",
    ]);

    const approving = deferred<Run>();
    vi.mocked(guardrailsIpc.approveHeldRun).mockReturnValue(approving.promise);
    await user.click(within(panel).getByRole("button", { name: "Approve once…" }));
    const dialog = screen.getByRole("dialog", { name: "Approve held run 7 once?" });
    expect(dialog.textContent).toContain("If it now does more than this, nothing is written and it stays held.");
    // A production portal: its name is typed before an approval writes to it.
    await confirmProductionRun(user);
    expect(guardrailsIpc.approveHeldRun).toHaveBeenCalledExactlyOnceWith(7);
    act(() => {
      events.progress({ step: "run", run_id: 9, progress: progress({ done: 410, total: 1230, run_id: 9 }) });
    });
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("410");
    approving.resolve(run({ id: 9, counts: counts({ create: 1204, created: 1204 }) }));
    expect((await screen.findByTestId("sync-result")).querySelector("h3")?.textContent).toBe("Run 9 completed");
    expect(screen.getByTestId("result-created").textContent).toBe("1,204");
  });

  it("keeps the run held when its approval is refused by the core, with the reason", async () => {
    const user = userEvent.setup();
    const panel = await heldRun(user);
    vi.mocked(guardrailsIpc.approveHeldRun).mockRejectedValue(
      new CommandError("approval_exceeded", "Nothing was written: planned again, the run does more than was approved."),
    );
    await user.click(within(panel).getByRole("button", { name: "Approve once…" }));
    await confirmProductionRun(user);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Held run 7 did not run");
    expect(alert.textContent).toContain("approval_exceeded");
    expect(screen.getByTestId("held-run")).toBeTruthy();
  });

  it("refuses it after a confirmation: it never runs", async () => {
    const user = userEvent.setup();
    const panel = await heldRun(user);
    vi.mocked(guardrailsIpc.refuseHeldRun).mockResolvedValue(hold({ state: "refused" }));
    await user.click(within(panel).getByRole("button", { name: "Refuse…" }));
    const dialog = screen.getByRole("dialog", { name: "Refuse held run 7?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(guardrailsIpc.refuseHeldRun).not.toHaveBeenCalled();

    await user.click(within(screen.getByTestId("held-run")).getByRole("button", { name: "Refuse…" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Refuse it" }));
    expect(guardrailsIpc.refuseHeldRun).toHaveBeenCalledExactlyOnceWith(7);
    expect((await screen.findByTestId("job-note")).textContent).toBe(
      "Held run 7 was refused: it will never run, and nothing was written.",
    );
    expect(screen.queryByTestId("held-run")).toBeNull();
  });

  it("finds a run held while the page reloaded, by the job's end", async () => {
    vi.mocked(ipc.syncJobStatus).mockResolvedValue(jobStatus({ step: "run" }));
    vi.mocked(ipc.runDetail).mockResolvedValue({
      run: run({ id: 7, mode: "preview", hold: "held" }),
      undo_runs: [],
      portal_name: "acme.hubspot.com",
      hold: hold(),
    });
    render(<SyncScreen />, { wrapper: SyncJobProvider });
    await screen.findByTestId("sync-progress");
    act(() => {
      events.send({ type: "ended", kind: "push", run_id: 7 });
    });
    const panel = await screen.findByTestId("held-run");
    expect(within(panel).getByRole("listitem").textContent).toBe("1,204 creates, your limit is 500");
    expect(ipc.runDetail).toHaveBeenCalledWith(7);
  });
});
