import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Overview } from "../bindings/Overview";
import * as connection from "../connection/ipc";
import { portal } from "../test/fixtures";
import * as ipc from "./ipc";
import { OverviewScreen } from "./OverviewScreen";

vi.mock("./ipc", () => ({ overview: vi.fn() }));
// The Schedules card reads its own (SchedulesCard.test.tsx): no schedules, nothing held here.
vi.mock("../schedules/ipc", () => ({
  schedules: vi.fn(() =>
    Promise.resolve({
      paused_all: false,
      schedules: [],
      next_schedule_id: null,
      next_run: null,
      last_schedule_id: null,
      last: null,
    }),
  ),
  pauseAllSchedules: vi.fn(),
}));
vi.mock("../guardrails/ipc", () => ({ heldRuns: vi.fn(() => Promise.resolve([])) }));
vi.mock("../connection/ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../connection/ipc")>()),
  testConnection: vi.fn(),
}));

const COUNTS = { update: 0, create: 0, skip: 0, invalid: 0, archive: 0, updated: 0, created: 0, archived: 0, failed: 0, pending: 0 };

function overview(changes: Partial<Overview> = {}): Overview {
  return {
    as_of: "2026-12-07T12:00:00Z",
    portal: portal(),
    health: { status: "connected", status_detail: null, checked_at: "2026-12-07T11:55:00Z", check_passed: true, healthy: true },
    daily_use: { limit: 250_000, used: 1_204, remaining: 248_796, reserve_percent: 10, seen_at: "2026-12-07T11:58:00Z" },
    daily_use_outdated: false,
    recent_runs: [
      {
        id: 12,
        kind: "push",
        mode: "live",
        outcome: "completed-with-failures",
        started_at: "2026-12-07T10:00:00Z",
        ended_at: "2026-12-07T10:01:00Z",
        stop_reason: null,
        counts: { ...COUNTS, updated: 120, created: 3, failed: 2 },
      },
      {
        id: 11,
        kind: "push",
        mode: "preview",
        outcome: "previewed",
        started_at: "2026-12-07T09:59:00Z",
        ended_at: "2026-12-07T09:59:30Z",
        stop_reason: null,
        counts: { ...COUNTS, update: 122, create: 3, skip: 1 },
      },
    ],
    leads: { total: 1_250, linked: 1_100, not_linked: 150, changed_since_sync: 40 },
    checklist: [
      { step: "portal-connected", done: true },
      { step: "mapping-beyond-email", done: true },
      { step: "push-rules-decided", done: false },
      { step: "leads-present", done: true },
      { step: "first-preview", done: true },
      { step: "first-live-run", done: true },
    ],
    ...changes,
  };
}

const handlers = () => ({ onOpen: vi.fn(), onOpenRun: vi.fn(), onPreview: vi.fn() });

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(ipc.overview).mockResolvedValue(overview());
});

describe("OverviewScreen", () => {
  it("shows the portal's health, today's API use, the leads and the last runs", async () => {
    render(<OverviewScreen {...handlers()} />);
    const health = await screen.findByTestId("overview-health");
    expect(health.textContent).toBe("✓ Connected · checked 5 minutes ago");
    expect(screen.getByTestId("overview-portal").textContent).toContain("Production");
    const use = screen.getByTestId("overview-api-use");
    expect(use.textContent).toContain("1,204 of 250,000");
    expect(within(use).getByRole("meter", { name: "API calls used today" })).toBeTruthy();
    expect(screen.getByTestId("overview-leads-not-linked").textContent).toBe("150");
    expect(screen.getByTestId("overview-leads-changed").textContent).toBe("40");
    expect((await screen.findByTestId("overview-schedules")).textContent).toContain(
      "No schedules: the app syncs only when you run it.",
    );
    const runs = within(screen.getByTestId("overview-runs")).getAllByRole("button", { name: /Push/ });
    expect(runs.map((r) => r.textContent)).toEqual([
      "Push 12completed with failed rows120 updated, 3 created, 2 failed2 hours ago",
      "Push preview 11previewed122 to update, 3 to create, 1 skipped2 hours ago",
    ]);
  });

  it("lists what is left to set up, each with the screen that does it, until nothing is", async () => {
    const user = userEvent.setup();
    const on = handlers();
    const { unmount } = render(<OverviewScreen {...on} />);
    const list = await screen.findByTestId("setup-checklist");
    expect(list.textContent).toContain("1 step left of 6.");
    await user.click(within(screen.getByTestId("setup-push-rules-decided")).getByRole("button", { name: "Open Push rules" }));
    expect(on.onOpen).toHaveBeenCalledWith("push-rules");
    expect(within(screen.getByTestId("setup-leads-present")).queryByRole("button")).toBeNull();
    unmount();

    vi.mocked(ipc.overview).mockResolvedValue(overview({ checklist: [{ step: "portal-connected", done: true }] }));
    render(<OverviewScreen {...handlers()} />);
    await screen.findByTestId("overview-portal");
    expect(screen.queryByTestId("setup-checklist")).toBeNull();
  });

  it("opens a run, previews a push of the changed leads, and tests the connection again", async () => {
    const user = userEvent.setup();
    const on = handlers();
    vi.mocked(connection.testConnection).mockResolvedValue({ checks: [], portal_id: 4_412_345 } as never);
    render(<OverviewScreen {...on} />);
    await user.click(await screen.findByRole("button", { name: /^Push 12/ }));
    expect(on.onOpenRun).toHaveBeenCalledWith(12);
    await user.click(screen.getByRole("button", { name: "Preview a push" }));
    expect(on.onPreview).toHaveBeenCalledWith("push");
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    expect(connection.testConnection).toHaveBeenCalledOnce();
    expect(ipc.overview).toHaveBeenCalledTimes(2);
  });

  it("says when the day's figure is from before HubSpot's count started again, or not known", async () => {
    vi.mocked(ipc.overview).mockResolvedValue(overview({ daily_use_outdated: true }));
    const { unmount } = render(<OverviewScreen {...handlers()} />);
    expect((await screen.findByTestId("overview-api-use")).textContent).toContain("HubSpot's count has started again since");
    unmount();
    vi.mocked(ipc.overview).mockResolvedValue(overview({ daily_use: null }));
    render(<OverviewScreen {...handlers()} />);
    expect((await screen.findByTestId("overview-api-use")).textContent).toContain("Not known yet");
  });
});
