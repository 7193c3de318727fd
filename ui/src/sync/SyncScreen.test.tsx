import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { LiveOutcome } from "../bindings/LiveOutcome";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import { CommandError } from "../shared/commandError";
import { deferred } from "../test/fixtures";
import { companySummary, counts, item, progress, ran, run, summary, syncJobEvents } from "./fixtures";
import * as ipc from "./ipc";
import { PAGE_SIZE } from "./PreviewTable";
import { SyncJobProvider } from "./SyncJobProvider";
import { SyncScreen } from "./SyncScreen";
import { confirmProductionRun } from "../test/confirm";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    syncPreview: vi.fn(),
    syncRun: vi.fn(),
    syncCancel: vi.fn(),
    retryFailed: vi.fn(),
    resumeRun: vi.fn(),
    exportRun: vi.fn(),
    openExportFolder: vi.fn(),
    runItemsPage: vi.fn(),
    runDetail: vi.fn(),
    syncJobStatus: vi.fn(),
    onSyncJob: vi.fn(),
  };
});

let events = syncJobEvents();

beforeEach(() => {
  vi.resetAllMocks();
  events = syncJobEvents();
  vi.mocked(ipc.onSyncJob).mockImplementation(events.listen);
  vi.mocked(ipc.syncJobStatus).mockResolvedValue(null);
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 1, offset: 0, items: [item()] });
  vi.mocked(ipc.syncCancel).mockResolvedValue(true);
  vi.mocked(ipc.runDetail).mockImplementation((id) => Promise.resolve({ run: run({ id }), undo_runs: [], portal_name: null }));
});

/** Previews a push of every lead and waits for the summary. */
async function previewed(user: ReturnType<typeof userEvent.setup>, shown: PreviewSummary = summary()) {
  vi.mocked(ipc.syncPreview).mockResolvedValue(shown);
  render(<SyncScreen />, { wrapper: SyncJobProvider });
  await user.click(screen.getByTestId("sync-preview"));
  return screen.findByTestId("preview-summary");
}

describe("SyncScreen", () => {
  it("answers a shortcut's or the palette's ask once, as its own buttons would", async () => {
    vi.mocked(ipc.syncPreview).mockResolvedValue(summary({ kind: "pull" }));
    const answered = vi.fn();
    const { rerender, unmount } = render(
      <SyncScreen asked={{ what: "preview", direction: "pull", n: 1 }} onAnswered={answered} />,
      { wrapper: SyncJobProvider },
    );
    await screen.findByTestId("preview-summary");
    expect(ipc.syncPreview).toHaveBeenCalledExactlyOnceWith("pull", []);
    expect(screen.getByTestId<HTMLInputElement>("sync-direction-pull").checked).toBe(true);
    expect(answered).toHaveBeenCalledOnce();
    rerender(<SyncScreen asked={{ what: "preview", direction: "pull", n: 1 }} onAnswered={answered} />);
    expect(ipc.syncPreview).toHaveBeenCalledOnce();

    rerender(<SyncScreen asked={{ what: "run", direction: null, n: 2 }} onAnswered={answered} />);
    expect(await screen.findByTestId("confirm-dialog")).toBeTruthy();
    unmount();
  });

  it("previews the picked leads and shows the counts, calls and time", async () => {
    const user = userEvent.setup();
    const reading = deferred<PreviewSummary>();
    vi.mocked(ipc.syncPreview).mockReturnValue(reading.promise);
    render(<SyncScreen />, { wrapper: SyncJobProvider });
    await user.type(screen.getByTestId("sync-emails"), "ada@example.test, bob@example.test\ncy@example.test");
    expect(screen.getByText("3 leads picked by email.")).toBeTruthy();
    await user.click(screen.getByTestId("sync-preview"));
    expect(ipc.syncPreview).toHaveBeenCalledWith("push", ["ada@example.test", "bob@example.test", "cy@example.test"]);
    act(() => {
      events.progress({ progress: progress({ phase: "reading", done: 100, total: 1237 }) });
    });
    expect(screen.getByTestId("preview-progress").textContent).toContain("Reading HubSpot: 100 of 1,237");
    reading.resolve(summary());
    const shown = await screen.findByTestId("preview-summary");
    expect(within(shown).getByTestId("preview-count-update").textContent).toBe("1,200");
    expect(within(shown).getByTestId("preview-count-create").textContent).toBe("30");
    expect(within(shown).getByTestId("preview-count-skip").textContent).toBe("5");
    expect(within(shown).getByTestId("preview-count-invalid").textContent).toBe("2");
    expect(within(shown).getByTestId("preview-api-calls").textContent).toBe("26 API calls");
    expect(within(shown).getByTestId("preview-time").textContent).toBe("3 min");
    expect(await screen.findByTestId("preview-table")).toBeTruthy();
  });

  it("pulls without a lead list and names its counts by what they do to the store", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.syncPreview).mockResolvedValue(
      summary({
        kind: "pull",
        counts: counts({ create: 4, update: 2, skip: 9 }),
        details: [{ key: "unchanged", label: "unchanged", count: 9 }],
        writes: 6,
      }),
    );
    render(<SyncScreen />, { wrapper: SyncJobProvider });
    await user.click(screen.getByTestId("sync-direction-pull"));
    expect(screen.queryByTestId("sync-emails")).toBeNull();
    await user.click(screen.getByTestId("sync-preview"));
    expect(ipc.syncPreview).toHaveBeenCalledWith("pull", []);
    expect((await screen.findByTestId("preview-count-create")).textContent).toBe("4");
    const shown = screen.getByTestId("preview-summary");
    expect(within(shown).getByText("new lead")).toBeTruthy();
    expect(within(shown).getByText("unchanged: 9")).toBeTruthy();
    expect(shown.textContent).toContain("From HubSpot portal acme.hubspot.com (4412345) into the lead store.");
  });

  it("asks before running, naming the portal and the counts; Escape keeps it unrun", async () => {
    const user = userEvent.setup();
    await previewed(user);
    const runButton = screen.getByTestId("sync-run");
    await user.click(runButton);
    const dialog = screen.getByRole("dialog");
    expect(dialog.dataset.testid).toBe("confirm-dialog");
    expect(within(dialog).getByTestId("confirm-target").textContent).toBe("HubSpot portal acme.hubspot.com (4412345)");
    expect(within(dialog).getByTestId("confirm-counts").textContent).toBe("update: 1,200create: 30");
    expect(document.activeElement).toBe(within(dialog).getByTestId("confirm-cancel"));
    // A portal not known to be a sandbox is production: its name is typed before anything runs.
    const run = within(dialog).getByTestId("confirm-run");
    expect(run).toHaveProperty("disabled", true);
    // Focus stays in the dialog.
    await user.tab();
    expect(document.activeElement).toBe(within(dialog).getByTestId("confirm-portal-name"));
    await user.keyboard("acme.hubspot");
    expect(run).toHaveProperty("disabled", true);
    await user.keyboard(".com");
    expect(run).toHaveProperty("disabled", false);
    await user.tab();
    expect(document.activeElement).toBe(run);
    await user.tab();
    expect(document.activeElement).toBe(within(dialog).getByTestId("confirm-cancel"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("confirm-dialog")).toBeNull();
    expect(document.activeElement).toBe(runButton);
    expect(ipc.syncRun).not.toHaveBeenCalled();
  });

  it("counts a push's companies and associations, lists them in tabs, and names them before running", async () => {
    const user = userEvent.setup();
    const companies = companySummary({ create: 2, update: 1, unchanged: 3, associate: 40, already: 5, no_association: 7 });
    companies.skipped = [{ key: "free-mail", label: "free-mail domain", count: 7 }];
    await previewed(user, summary({ companies }));
    expect(screen.getByTestId("preview-companies").textContent).toBe(
      "Companies: 2 to create, 1 to update, 3 unchanged, 0 skipped, 0 invalid.",
    );
    expect(screen.getByTestId("preview-associations").textContent).toBe(
      "Associations: 40 contacts to associate with their company, 5 already associated, 7 without one.",
    );
    expect(screen.getByText("Without one: free-mail domain: 7")).toBeTruthy();
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual(["Contacts", "Companies (6)", "Associations (52)"]);

    await user.click(screen.getByTestId("sync-run"));
    expect(within(screen.getByRole("dialog")).getByTestId("confirm-counts").textContent).toBe(
      "update: 1,200create: 30companies to create: 2, to update: 1contacts to associate with a company: 40",
    );
  });

  it("counts a push's company writes and associations in its result", async () => {
    const user = userEvent.setup();
    const companies = companySummary({ create: 2, created: 1, failed: 1, associate: 3, associated: 2, association_failed: 1 });
    vi.mocked(ipc.syncRun).mockResolvedValue(ran(run({ id: 8, counts: counts({ update: 1200, updated: 1200 }) })));
    vi.mocked(ipc.runDetail).mockResolvedValue({ run: run({ id: 8 }), undo_runs: [], portal_name: null, companies });
    await previewed(user, summary({ companies }));
    await user.click(screen.getByTestId("sync-run"));
    await confirmProductionRun(user);
    const line = await screen.findByTestId("result-companies");
    expect(ipc.runDetail).toHaveBeenCalledWith(8);
    expect(line.textContent).toBe(
      "Companies: 1 created, 0 updated, 1 failed. Associations: 2 associated, 1 failed. History shows each company's and association's row, with HubSpot's error.",
    );
  });

  it("says why a push skips leads it could write, and what turns that around", async () => {
    const user = userEvent.setup();
    const details = [
      { key: "unchanged", label: "unchanged (skipped)", count: 4 },
      { key: "no-match-create-off", label: "no matching contact, creating is off (skipped)", count: 3 },
    ];
    await previewed(user, summary({ counts: counts({ skip: 7 }), details, writes: 0 }));
    const advice = screen.getByTestId("skip-advice");
    expect(advice.textContent).toContain("3 leads have no HubSpot contact with the same email");
    expect(advice.textContent).toContain("turn on “Create HubSpot contact when no match is found” in Push rules");
    expect(advice.textContent).not.toContain("updating");
  });

  it("offers no run when there is nothing to write", async () => {
    const user = userEvent.setup();
    await previewed(user, summary({ counts: counts({ skip: 3 }), writes: 0 }));
    expect(screen.getByTestId("sync-run")).toHaveProperty("disabled", true);
    expect(screen.getByText(/Nothing to write/)).toBeTruthy();
  });

  it("shows live progress with the time left, and cancels", async () => {
    const user = userEvent.setup();
    const running = deferred<LiveOutcome>();
    vi.mocked(ipc.syncRun).mockReturnValue(running.promise);
    await previewed(user);
    await user.click(screen.getByTestId("sync-run"));
    await confirmProductionRun(user);
    expect(ipc.syncRun).toHaveBeenCalledWith(7);
    expect(screen.getByTestId("sync-progress")).toBeTruthy();
    // Before any row lands the preview's estimate stands.
    act(() => {
      events.progress({ step: "run", progress: progress({ done: 0, elapsed_ms: 30_000 }) });
    });
    expect(screen.getByTestId("progress-time").textContent).toBe("30 s so far · about 2 min left");
    act(() => {
      const counted = progress({ done: 410, elapsed_ms: 20_000, run_id: 8, counts: counts({ updated: 400, failed: 10 }) });
      events.progress({ step: "run", run_id: 8, progress: counted });
    });
    const bar = screen.getByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("410");
    expect(bar.getAttribute("aria-valuemax")).toBe("1230");
    expect(screen.getByTestId("progress-rows").textContent).toBe(
      "410 of 1,230 rows · 400 updated, 0 created, 10 failed",
    );
    expect(screen.getByTestId("progress-time").textContent).toBe("20 s so far · about 40 s left");

    await user.click(screen.getByTestId("sync-cancel"));
    expect(ipc.syncCancel).toHaveBeenCalled();
    expect(screen.getByTestId("sync-cancel")).toHaveProperty("disabled", true);
    running.resolve(
      ran(
        run({
          id: 8,
          status: "interrupted",
          stop_reason: "cancelled in the app",
          counts: counts({ updated: 400, pending: 820 }),
        }),
      ),
    );
    const result = await screen.findByTestId("sync-result");
    expect(within(result).getByRole("alert").textContent).toContain("820 rows were not written: cancelled in the app");
    vi.mocked(ipc.resumeRun).mockResolvedValue(run({ id: 8, counts: counts({ updated: 1220 }) }));
    await user.click(within(result).getByTestId("result-resume"));
    expect(ipc.resumeRun).toHaveBeenCalledWith(8);
    expect((await screen.findByTestId("result-updated")).textContent).toBe("1,220");
  });

  it("shows the result with failed rows, retries them and exports both files", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.syncRun).mockResolvedValue(
      ran(run({ id: 8, counts: counts({ update: 1200, create: 30, updated: 1199, created: 30, failed: 1 }) })),
    );
    vi.mocked(ipc.runItemsPage).mockResolvedValue({
      total: 1,
      offset: 0,
      items: [item({ email: "bad@example.test", outcome: "failed", error: "INVALID_EMAIL" })],
    });
    await previewed(user);
    await user.click(screen.getByTestId("sync-run"));
    await confirmProductionRun(user);
    const result = await screen.findByTestId("sync-result");
    expect(within(result).getByTestId("result-updated").textContent).toBe("1,199");
    expect(within(result).getByTestId("result-created").textContent).toBe("30");
    expect(within(result).getByTestId("result-failed").textContent).toBe("1");
    expect((await within(result).findByTestId("row-error")).textContent).toBe("INVALID_EMAIL");
    expect(ipc.runItemsPage).toHaveBeenLastCalledWith(8, expect.objectContaining({ outcome: "failed" }), 0, PAGE_SIZE);

    vi.mocked(ipc.exportRun).mockResolvedValue({
      run_id: 8,
      folder: "/home/ada/Downloads/hubsync-run-8-20261124-120000",
      success_file: "/home/ada/Downloads/hubsync-run-8-20261124-120000/run-8-success.csv",
      success_rows: 1229,
      error_file: "/home/ada/Downloads/hubsync-run-8-20261124-120000/run-8-errors.csv",
      error_rows: 1,
    });
    vi.mocked(ipc.openExportFolder).mockResolvedValue();
    await user.click(within(result).getByTestId("result-export"));
    const paths = await screen.findByTestId("export-paths");
    expect(paths.textContent).toContain("run-8-success.csv");
    expect(paths.textContent).toContain(
      "1 row that needs attention: /home/ada/Downloads/hubsync-run-8-20261124-120000/run-8-errors.csv",
    );
    await user.click(within(paths).getByRole("button", { name: "Open folder" }));
    expect(ipc.openExportFolder).toHaveBeenCalledWith("/home/ada/Downloads/hubsync-run-8-20261124-120000");

    vi.mocked(ipc.retryFailed).mockResolvedValue(summary({ run_id: 9, counts: counts({ update: 1 }), writes: 1 }));
    await user.click(within(result).getByTestId("result-retry-failed"));
    expect(ipc.retryFailed).toHaveBeenCalledWith(8);
    expect((await screen.findByTestId("preview-count-update")).textContent).toBe("1");
    expect(screen.queryByTestId("sync-result")).toBeNull();
  });

  it("keeps the preview and says what to do when its plan has gone stale", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.syncRun).mockRejectedValue(
      new CommandError(
        "preview_stale",
        "Preview again: preview 7 is 16 minutes old, and HubSpot may have changed since.",
      ),
    );
    await previewed(user);
    await user.click(screen.getByTestId("sync-run"));
    await confirmProductionRun(user);
    await waitFor(() => {
      expect(screen.getByRole("alert").textContent).toContain("Preview again: preview 7 is 16 minutes old");
    });
    expect(screen.getByTestId("preview-summary")).toBeTruthy();
  });
});

describe("SyncScreen, with a job from elsewhere running", () => {
  it("offers to cancel the job that holds the slot", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.syncPreview).mockRejectedValue(
      new CommandError(
        "job_running",
        "A sync is still going: wait for it to finish, or cancel it, before starting another.",
      ),
    );
    render(<SyncScreen />, { wrapper: SyncJobProvider });
    await user.click(screen.getByTestId("sync-preview"));
    expect((await screen.findByRole("alert")).textContent).toContain("A sync is still going");
    await user.click(screen.getByTestId("cancel-running-job"));
    expect(ipc.syncCancel).toHaveBeenCalled();
    expect((await screen.findByTestId("job-note")).textContent).toContain("stops after the batches in flight");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
