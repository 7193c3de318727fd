import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { LiveOutcome } from "../bindings/LiveOutcome";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import { CommandError } from "../shared/commandError";
import { deferred } from "../test/fixtures";
import { counts, item, jobStatus, progress, ran, run, summary, syncJobEvents } from "./fixtures";
import * as ipc from "./ipc";
import { JobIndicator } from "./JobIndicator";
import type { JobOrigin } from "./jobState";
import { SyncJobProvider } from "./SyncJobProvider";
import { SyncScreen } from "./SyncScreen";
import { indicatorWords } from "./words";
import { confirmProductionRun } from "../test/confirm";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    syncPreview: vi.fn(),
    syncRun: vi.fn(),
    syncCancel: vi.fn(),
    syncJobStatus: vi.fn(),
    runDetail: vi.fn(),
    runItemsPage: vi.fn(),
    onSyncJob: vi.fn(),
  };
});

let events = syncJobEvents();

beforeEach(() => {
  vi.resetAllMocks();
  events = syncJobEvents();
  vi.mocked(ipc.onSyncJob).mockImplementation(events.listen);
  vi.mocked(ipc.runItemsPage).mockResolvedValue({ total: 1, offset: 0, items: [item()] });
  // A preview's rows read their run for its write rules.
  vi.mocked(ipc.runDetail).mockResolvedValue({ run: run({ id: 7, mode: "preview" }), undo_runs: [], portal_name: null });
  vi.mocked(ipc.syncCancel).mockResolvedValue(true);
  vi.mocked(ipc.syncJobStatus).mockResolvedValue(null);
});

/** The app in small: the Sync screen, which can be left and opened again, and the indicator. */
function Harness({ onOpen }: { onOpen: (origin: JobOrigin) => void }) {
  const [open, setOpen] = useState(true);
  return (
    <SyncJobProvider>
      <button
        type="button"
        onClick={() => {
          setOpen((o) => !o);
        }}
      >
        {open ? "Leave" : "Back to Sync"}
      </button>
      <JobIndicator onOpen={onOpen} />
      {open && <SyncScreen />}
    </SyncJobProvider>
  );
}

describe("SyncJobProvider", () => {
  it("keeps a preview's and a run's progress and result while the Sync screen is closed", async () => {
    const user = userEvent.setup();
    const onOpen = vi.fn();
    const reading = deferred<PreviewSummary>();
    vi.mocked(ipc.syncPreview).mockReturnValue(reading.promise);
    render(<Harness onOpen={onOpen} />);
    expect(screen.queryByTestId("job-indicator")).toBeNull();
    await user.click(screen.getByTestId("sync-preview"));
    act(() => {
      events.progress({ progress: progress({ phase: "reading", done: 100, total: 1237 }) });
    });

    await user.click(screen.getByRole("button", { name: "Leave" }));
    expect(screen.queryByTestId("sync-preview")).toBeNull();
    act(() => {
      events.progress({ progress: progress({ phase: "reading", done: 300, total: 1237 }) });
    });
    expect(screen.getByTestId("job-indicator").textContent).toBe("Push preview — reading 300 of 1,237");
    expect(screen.getByRole("status").getAttribute("data-testid")).toBe("job-indicator");

    await user.click(screen.getByRole("button", { name: "Back to Sync" }));
    expect(screen.getByTestId("preview-progress").textContent).toContain("Reading HubSpot: 300 of 1,237");
    reading.resolve(summary());
    await screen.findByTestId("preview-summary");
    expect(screen.queryByTestId("job-indicator")).toBeNull();

    const running = deferred<LiveOutcome>();
    vi.mocked(ipc.syncRun).mockReturnValue(running.promise);
    await user.click(screen.getByTestId("sync-run"));
    await confirmProductionRun(user);
    await user.click(screen.getByRole("button", { name: "Leave" }));
    act(() => {
      events.progress({ step: "run", run_id: 8, progress: progress({ done: 410, total: 1230, elapsed_ms: 20_000, run_id: 8 }) });
    });
    const indicator = screen.getByTestId("job-indicator");
    expect(indicator.textContent).toBe("Push running — 410 of 1,230 · 40 s left");
    await user.click(within(indicator).getByRole("button"));
    expect(onOpen).toHaveBeenCalledWith("sync");

    // The run finishes while the screen is closed: opening it shows the result.
    running.resolve(ran(run({ id: 8, counts: counts({ update: 1200, create: 30, updated: 1200, created: 30 }) })));
    await waitFor(() => {
      expect(screen.queryByTestId("job-indicator")).toBeNull();
    });
    await user.click(screen.getByRole("button", { name: "Back to Sync" }));
    expect(within(screen.getByTestId("sync-result")).getByTestId("result-created").textContent).toBe("30");
  });

  it("keeps the form as it was left: the emails picked and the direction", async () => {
    const user = userEvent.setup();
    render(<Harness onOpen={vi.fn()} />);
    await user.type(screen.getByTestId("sync-emails"), "ana@acme.test, ben@acme.test");
    await user.click(screen.getByRole("button", { name: "Leave" }));
    await user.click(screen.getByRole("button", { name: "Back to Sync" }));
    expect(screen.getByTestId<HTMLTextAreaElement>("sync-emails").value).toBe("ana@acme.test, ben@acme.test");
    expect(screen.getByText("2 leads picked by email.")).toBeTruthy();

    await user.click(screen.getByTestId("sync-direction-pull"));
    await user.click(screen.getByRole("button", { name: "Leave" }));
    await user.click(screen.getByRole("button", { name: "Back to Sync" }));
    expect(screen.getByTestId<HTMLInputElement>("sync-direction-pull").checked).toBe(true);
  });

  it("cancels a preview while it reads, and says nothing was recorded", async () => {
    const user = userEvent.setup();
    const reading = deferred<PreviewSummary>();
    vi.mocked(ipc.syncPreview).mockReturnValue(reading.promise);
    render(<Harness onOpen={vi.fn()} />);
    await user.click(screen.getByTestId("sync-preview"));
    await user.click(screen.getByTestId("preview-cancel"));
    expect(ipc.syncCancel).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("preview-cancel")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("job-indicator").textContent).toBe("Push preview stopping…");
    reading.reject(new CommandError("cancelled", "the preview was stopped (cancelled in the app)"));
    expect((await screen.findByTestId("job-note")).textContent).toBe("Preview cancelled: nothing was recorded.");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByTestId("job-indicator")).toBeNull();
    expect(screen.getByTestId("sync-preview")).toHaveProperty("disabled", false);
  });

  it("after a reload, finds the app's running job, follows its events, cancels it and shows its result", async () => {
    const user = userEvent.setup();
    const live = { step: "run" as const, kind: "pull" as const, run_id: 21, elapsed_ms: 10_000 };
    vi.mocked(ipc.syncJobStatus).mockResolvedValue(
      jobStatus({ ...live, progress: progress({ phase: "applying", done: 1000, total: 4000, run_id: 21, elapsed_ms: 10_000 }) }),
    );
    vi.mocked(ipc.runDetail).mockResolvedValue({
      run: run({
        id: 21,
        kind: "pull",
        status: "interrupted",
        stop_reason: "cancelled in the app",
        counts: counts({ create: 4000, created: 2000, pending: 2000 }),
      }),
      undo_runs: [],
      portal_name: null,
    });
    render(<Harness onOpen={vi.fn()} />);
    const shown = await screen.findByTestId("sync-progress");
    expect(within(shown).getByTestId("progress-rows").textContent).toBe("1,000 of 4,000 rows");
    expect(screen.getByTestId("job-indicator").textContent).toBe("Pull running — 1,000 of 4,000 · 30 s left");
    // Asked once: the events say the rest.
    expect(ipc.syncJobStatus).toHaveBeenCalledTimes(1);

    await user.click(screen.getByTestId("sync-cancel"));
    expect(ipc.syncCancel).toHaveBeenCalledTimes(1);
    act(() => {
      events.progress({
        ...live,
        cancelling: true,
        progress: progress({ phase: "applying", done: 2000, total: 4000, run_id: 21, elapsed_ms: 11_000 }),
      });
    });
    expect(screen.getByTestId("progress-rows").textContent).toBe("2,000 of 4,000 rows");
    expect(screen.getByTestId("sync-cancel")).toHaveProperty("disabled", true);
    act(() => {
      events.send({ type: "ended", kind: "pull", run_id: 21 });
    });
    const result = await screen.findByTestId("sync-result");
    expect(ipc.runDetail).toHaveBeenCalledWith(21);
    expect(within(result).getByRole("alert").textContent).toContain("cancelled in the app");
    expect(ipc.syncJobStatus).toHaveBeenCalledTimes(1);
  });

  it("after a reload, says a preview that ended has gone to History", async () => {
    vi.mocked(ipc.syncJobStatus).mockResolvedValue(
      jobStatus({ step: "preview", kind: "push", progress: progress({ phase: "reading", done: 3, total: 9 }) }),
    );
    render(<Harness onOpen={vi.fn()} />);
    expect((await screen.findByTestId("preview-progress")).textContent).toContain("Reading HubSpot: 3 of 9");
    act(() => {
      events.send({ type: "ended", kind: "push", run_id: 30 });
    });
    expect((await screen.findByTestId("job-note")).textContent).toBe(
      "The job that was running when the page reloaded has ended; History has what it did.",
    );
    expect(screen.queryByTestId("job-indicator")).toBeNull();
    expect(ipc.runDetail).not.toHaveBeenCalled();
  });

  it("asks again what runs when a job ended while it asked", async () => {
    const first = deferred<Awaited<ReturnType<typeof ipc.syncJobStatus>>>();
    vi.mocked(ipc.syncJobStatus).mockReturnValueOnce(first.promise).mockResolvedValue(null);
    render(<Harness onOpen={vi.fn()} />);
    await waitFor(() => {
      expect(ipc.syncJobStatus).toHaveBeenCalledTimes(1);
    });
    // The answer was made before the job ended; the end arrives first.
    act(() => {
      events.send({ type: "ended", kind: "pull", run_id: 21 });
    });
    first.resolve(jobStatus({ step: "run", kind: "pull", run_id: 21, progress: progress({ run_id: 21 }) }));
    await waitFor(() => {
      expect(ipc.syncJobStatus).toHaveBeenCalledTimes(2);
    });
    expect(screen.queryByTestId("sync-progress")).toBeNull();
    expect(screen.queryByTestId("job-indicator")).toBeNull();
  });

  it("lets no progress arrive after its command answered bring a job back", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.syncPreview).mockResolvedValue(summary());
    render(<Harness onOpen={vi.fn()} />);
    await user.click(screen.getByTestId("sync-preview"));
    await screen.findByTestId("preview-summary");
    act(() => {
      events.progress({ progress: progress({ phase: "reading", done: 1230, total: 1230 }) });
      events.send({ type: "ended", kind: "push", run_id: 7 });
    });
    expect(screen.getByTestId("preview-summary")).toBeTruthy();
    expect(screen.queryByTestId("job-indicator")).toBeNull();
    expect(screen.queryByTestId("job-note")).toBeNull();
  });
});

describe("indicatorWords", () => {
  it("names the job, its rows and the time left, or that it stops", () => {
    expect(indicatorWords("push", false, progress({ done: 1234, total: 5000, elapsed_ms: 10_000 }), null, false)).toBe(
      "Push running — 1,234 of 5,000 · 31 s left",
    );
    expect(indicatorWords("undo", false, null, 90, false)).toBe("Undo running — starting…");
    expect(indicatorWords("pull", true, progress({ phase: "reading", done: 0, total: 0 }), null, false)).toBe(
      "Pull preview — starting…",
    );
    expect(indicatorWords("pull", false, progress(), null, true)).toBe("Pull stopping…");
    // The list of every contact has no total: what came in so far.
    expect(indicatorWords("pull", true, progress({ phase: "reading", done: 300, total: 300 }), null, false)).toBe(
      "Pull preview — reading 300 so far",
    );
  });
});
