import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { SchedulesSummary } from "../bindings/SchedulesSummary";
import * as guardrails from "../guardrails/ipc";
import { schedule } from "../schedules/fixtures";
import * as ipc from "../schedules/ipc";
import { CommandError } from "../shared/commandError";
import { hold } from "../sync/fixtures";
import { SchedulesCard } from "./SchedulesCard";

vi.mock("../schedules/ipc", () => ({ schedules: vi.fn(), pauseAllSchedules: vi.fn() }));
vi.mock("../guardrails/ipc", () => ({ heldRuns: vi.fn() }));

const NOW = "2026-12-07T12:00:00Z";

const CHANGED = schedule({ next_run: "2026-12-07T12:04:00Z", last: null });

const PULL = schedule({
  id: 4,
  scope: "pull-rules",
  next_run: "2026-12-07T13:00:00Z",
  last: { outcome: "held", run_id: 31, detail: null, ended_at: "2026-12-07T11:00:00Z" },
});

function summary(overrides: Partial<SchedulesSummary> = {}): SchedulesSummary {
  return {
    paused_all: false,
    schedules: [CHANGED, PULL],
    next_schedule_id: 3,
    next_run: "2026-12-07T12:04:00Z",
    last_schedule_id: 4,
    last: PULL.last,
    ...overrides,
  };
}

const handlers = () => ({ onOpen: vi.fn(), onOpenRun: vi.fn() });

beforeEach(() => {
  vi.resetAllMocks();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(NOW));
  vi.mocked(ipc.schedules).mockResolvedValue(summary());
  vi.mocked(guardrails.heldRuns).mockResolvedValue([]);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("SchedulesCard", () => {
  it("says what runs next and when, and how the last one came out, its run a link", async () => {
    const user = userEvent.setup();
    const on = handlers();
    render(<SchedulesCard {...on} />);
    expect((await screen.findByTestId("overview-next-run")).textContent).toMatch(
      /^Next: push the leads changed since their last push, .+ \(in 4 min\)$/,
    );
    const last = screen.getByTestId("overview-last-firing");
    expect(last.textContent).toBe(
      "Last, schedule 4: Held by a guardrail: approve or refuse it in History · run 31 · 1 hour ago",
    );
    await user.click(within(last).getByRole("button", { name: "run 31" }));
    expect(on.onOpenRun).toHaveBeenCalledWith(31);
    await user.click(screen.getByRole("button", { name: "Open Schedules" }));
    expect(on.onOpen).toHaveBeenCalledWith("schedules");
  });

  it("pauses every schedule by its toggle, and says they are paused", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.pauseAllSchedules).mockResolvedValue(summary({ paused_all: true, next_run: null }));
    render(<SchedulesCard {...handlers()} />);
    const toggle = await screen.findByRole("checkbox", { name: "Pause all schedules" });
    vi.mocked(ipc.schedules).mockResolvedValue(summary({ paused_all: true, next_run: null, next_schedule_id: null }));
    await user.click(toggle);
    expect(ipc.pauseAllSchedules).toHaveBeenCalledExactlyOnceWith(true);
    expect((await screen.findByText("Every schedule is paused.")).getAttribute("data-testid")).toBe(
      "overview-next-run",
    );
    expect(screen.getByRole<HTMLInputElement>("checkbox", { name: "Pause all schedules" }).checked).toBe(true);
  });

  it("counts the runs waiting for approval: one opens itself, several open History", async () => {
    const user = userEvent.setup();
    const on = handlers();
    vi.mocked(guardrails.heldRuns).mockResolvedValue([hold({ run_id: 31 })]);
    const { unmount } = render(<SchedulesCard {...on} />);
    const one = await screen.findByTestId("overview-held");
    expect(one.textContent).toBe("1 run held by a guardrail waits for your approval. Open it in History");
    await user.click(within(one).getByRole("button", { name: "Open it in History" }));
    expect(on.onOpenRun).toHaveBeenCalledWith(31);
    unmount();

    vi.mocked(guardrails.heldRuns).mockResolvedValue([hold({ run_id: 32 }), hold({ run_id: 31 })]);
    render(<SchedulesCard {...on} />);
    const two = await screen.findByTestId("overview-held");
    expect(two.textContent).toContain("2 runs held by a guardrail wait for your approval.");
    await user.click(within(two).getByRole("button", { name: "Open History" }));
    expect(on.onOpen).toHaveBeenCalledWith("history");
  });

  it("asks for a portal first when none is connected", async () => {
    vi.mocked(ipc.schedules).mockRejectedValue(new CommandError("not_connected", "No portal is connected."));
    render(<SchedulesCard {...handlers()} />);
    expect(await screen.findByText("Connect a portal to schedule its syncs.")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
