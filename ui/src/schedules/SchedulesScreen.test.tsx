import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { SchedulesSummary } from "../bindings/SchedulesSummary";
import type { ScheduleView } from "../bindings/ScheduleView";
import { CommandError } from "../shared/commandError";
import { schedule } from "./fixtures";
import * as ipc from "./ipc";
import { SchedulesScreen } from "./SchedulesScreen";

vi.mock("./ipc", () => ({
  schedules: vi.fn(),
  addSchedule: vi.fn(),
  removeSchedule: vi.fn(),
  pauseSchedule: vi.fn(),
  pauseAllSchedules: vi.fn(),
}));

const NOW = "2026-12-07T12:00:00Z";

function summaryOf(schedules: ScheduleView[], overrides: Partial<SchedulesSummary> = {}): SchedulesSummary {
  return {
    paused_all: false,
    schedules,
    next_schedule_id: schedules[0]?.id ?? null,
    next_run: schedules[0]?.next_run ?? null,
    last_schedule_id: null,
    last: null,
    ...overrides,
  };
}

const PULL = schedule({
  id: 4,
  scope: "pull-rules",
  cadence: { kind: "weekdays", at: "07:00" },
  paused: true,
  next_run: null,
  last: { outcome: "waited", run_id: null, detail: "run-12", ended_at: "2026-12-07T07:00:05Z" },
});

beforeEach(() => {
  vi.resetAllMocks();
  // Only the page's clock is set; timers run as they do.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(NOW));
  vi.mocked(ipc.schedules).mockResolvedValue(summaryOf([schedule(), PULL]));
});

afterEach(() => {
  vi.useRealTimers();
});

function row(id: number): HTMLElement {
  const found = screen.getAllByTestId("schedule-row").find((r) => r.dataset.scheduleId === String(id));
  if (found === undefined) throw new Error(`no row for schedule ${String(id)}`);
  return found;
}

describe("SchedulesScreen", () => {
  it("lists each schedule: what, when, next run and how its last run went, its run a link to History", async () => {
    const user = userEvent.setup();
    const onOpenRun = vi.fn();
    render(<SchedulesScreen onOpenRun={onOpenRun} />);
    await screen.findByTestId("schedules-table");
    const push = row(3);
    expect(within(push).getByRole("rowheader").textContent).toBe(
      "Schedule 3Push the leads changed since their last push",
    );
    expect(push.textContent).toContain("Every 15 minutes");
    expect(within(push).getByTestId("schedule-next").textContent).toMatch(/\(in 4 min\)$/);
    expect(within(push).getByTestId("schedule-last").textContent).toBe("Completed · run 12 · 10 minutes ago");
    await user.click(within(push).getByRole("button", { name: "run 12" }));
    expect(onOpenRun).toHaveBeenCalledWith(12);

    const pull = row(4);
    expect(pull.textContent).toContain("Pull contacts as the pull rules select them");
    expect(pull.textContent).toContain("Weekdays, Monday to Friday, at 07:00 (Europe/Paris)");
    expect(within(pull).getByTestId("schedule-next").textContent).toBe("Paused");
    expect(within(pull).getByTestId("schedule-last").textContent).toBe(
      "Waited for its next time: run 12 was under way on the portal · 5 hours ago",
    );
  });

  it("shows a failed run's error by words and code", async () => {
    vi.mocked(ipc.schedules).mockResolvedValue(
      summaryOf([schedule({ last: { outcome: "failed", run_id: null, detail: "missing_scopes", ended_at: NOW } })]),
    );
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    const last = await screen.findByTestId("schedule-last");
    expect(last.textContent).toBe("Failed: the connection lacks a scope it needs missing_scopes · just now");
    expect(within(last).getByText("missing_scopes").tagName).toBe("CODE");
  });

  it("pauses and resumes a schedule, reading the list again", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.pauseSchedule).mockImplementation((id, paused) =>
      Promise.resolve(schedule({ id, paused, next_run: null })),
    );
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    await screen.findByTestId("schedules-table");
    await user.click(screen.getByRole("button", { name: "Pause schedule 3" }));
    expect(ipc.pauseSchedule).toHaveBeenCalledExactlyOnceWith(3, true);
    expect((await screen.findByRole("status")).textContent).toBe("Schedule 3 is paused.");
    expect(ipc.schedules).toHaveBeenCalledTimes(2);
    await user.click(screen.getByRole("button", { name: "Resume schedule 4" }));
    expect(ipc.pauseSchedule).toHaveBeenLastCalledWith(4, false);
    expect(screen.getByRole("status").textContent).toBe("Schedule 4 fires again from now on.");
  });

  it("removes a schedule only once confirmed", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.removeSchedule).mockResolvedValue(undefined);
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    await screen.findByTestId("schedules-table");
    await user.click(screen.getByRole("button", { name: "Remove schedule 3" }));
    const dialog = screen.getByRole("dialog", { name: "Remove schedule 3?" });
    expect(dialog.textContent).toContain("The runs it started stay in History.");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(ipc.removeSchedule).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Remove schedule 3" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Remove schedule" }));
    expect(ipc.removeSchedule).toHaveBeenCalledExactlyOnceWith(3);
    expect((await screen.findByRole("status")).textContent).toBe("Schedule 3 removed.");
  });

  it("pauses every schedule, says so, and resumes them all", async () => {
    const user = userEvent.setup();
    const paused = summaryOf([schedule({ next_run: null }), PULL], { paused_all: true, next_run: null });
    vi.mocked(ipc.pauseAllSchedules).mockResolvedValue(paused);
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    await screen.findByTestId("schedules-table");
    vi.mocked(ipc.schedules).mockResolvedValue(paused);
    await user.click(screen.getByRole("button", { name: "Pause all" }));
    expect(ipc.pauseAllSchedules).toHaveBeenCalledExactlyOnceWith(true);
    expect((await screen.findByTestId("schedules-paused-all")).textContent).toContain("none fires until you resume");
    expect(within(row(3)).getByTestId("schedule-next").textContent).toBe("Not while every schedule is paused");
    await user.click(screen.getByRole("button", { name: "Resume all" }));
    expect(ipc.pauseAllSchedules).toHaveBeenLastCalledWith(false);
  });

  it("says when there is no schedule yet", async () => {
    vi.mocked(ipc.schedules).mockResolvedValue(summaryOf([]));
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    expect((await screen.findByTestId("no-schedules")).textContent).toBe("No schedules yet: add one below.");
    expect(screen.getByRole("button", { name: "Pause all" })).toHaveProperty("disabled", true);
  });
});

describe("Add a schedule", () => {
  it("adds a push of the changed leads every few minutes, notifying successes too", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.addSchedule).mockResolvedValue(schedule({ id: 5 }));
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    const form = await screen.findByRole("form", { name: "Add a schedule" });
    expect(within(form).getByRole<HTMLInputElement>("radio", { name: "Push the leads changed since their last push" }).checked).toBe(true);
    await user.clear(within(form).getByLabelText("Every"));
    await user.type(within(form).getByLabelText("Every"), "15");
    await user.selectOptions(within(form).getByLabelText("Unit"), "minutes");
    await user.click(within(form).getByRole("checkbox", { name: "Notify me of successful runs too" }));
    await user.click(within(form).getByRole("button", { name: "Add schedule" }));
    expect(ipc.addSchedule).toHaveBeenCalledExactlyOnceWith({
      scope: "changed-leads",
      cadence: { kind: "every", minutes: 15 },
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      notify_success: true,
    });
    expect((await screen.findByRole("status")).textContent).toBe("Schedule 5 added.");
  });

  it("adds a pull on weekdays at a time, in the zone picked (the computer's by default)", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.addSchedule).mockResolvedValue(schedule({ id: 6 }));
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    const form = await screen.findByRole("form", { name: "Add a schedule" });
    await user.click(within(form).getByRole("radio", { name: "Pull contacts as the pull rules select them" }));
    await user.click(within(form).getByRole("radio", { name: "Weekdays (Monday to Friday) at a time" }));
    const zone = within(form).getByLabelText<HTMLSelectElement>("Time zone");
    expect(zone.value).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    await user.clear(within(form).getByLabelText("At"));
    await user.type(within(form).getByLabelText("At"), "06:30");
    await user.selectOptions(zone, "America/New_York");
    await user.click(within(form).getByRole("button", { name: "Add schedule" }));
    expect(ipc.addSchedule).toHaveBeenCalledExactlyOnceWith({
      scope: "pull-rules",
      cadence: { kind: "weekdays", at: "06:30" },
      zone: "America/New_York",
      notify_success: false,
    });
  });

  it("sends no interval that isn't a whole number, and shows the core's refusal by code", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.addSchedule).mockRejectedValue(
      new CommandError("invalid_schedule", "Every 20000 minutes is beyond 7 days."),
    );
    render(<SchedulesScreen onOpenRun={vi.fn()} />);
    const form = await screen.findByRole("form", { name: "Add a schedule" });
    const every = within(form).getByLabelText("Every");
    await user.clear(every);
    expect(within(form).getByTestId("schedule-cadence-problem").textContent).toBe("Write a whole number, 1 or more.");
    expect(within(form).getByRole("button", { name: "Add schedule" })).toHaveProperty("disabled", true);
    await user.type(every, "20000");
    await user.selectOptions(within(form).getByLabelText("Unit"), "minutes");
    await user.click(within(form).getByRole("button", { name: "Add schedule" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The schedule was not added");
    expect(alert.textContent).toContain("Every 20000 minutes is beyond 7 days.");
    expect(within(alert).getByText("invalid_schedule")).toBeTruthy();
  });
});
