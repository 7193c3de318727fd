import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import * as leads from "../leads/ipc";
import { counts, run } from "../sync/fixtures";
import * as ipc from "../sync/ipc";
import { SyncJobProvider } from "../sync/SyncJobProvider";
import { Sidebar } from "./Sidebar";

vi.mock("../sync/ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../sync/ipc")>()),
  runsList: vi.fn(),
  syncJobStatus: vi.fn(),
  onSyncJob: vi.fn(),
}));
vi.mock("../leads/ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../leads/ipc")>()),
  leadsPage: vi.fn(),
}));

beforeEach(() => {
  vi.resetAllMocks();
  vi.mocked(ipc.onSyncJob).mockResolvedValue(() => undefined);
  vi.mocked(ipc.syncJobStatus).mockResolvedValue(null);
  vi.mocked(leads.leadsPage).mockResolvedValue({ leads: [], total: 1_250, companies: [] });
});

describe("Sidebar", () => {
  it("lists Schedules with the daily work and Guardrails with the setup, and opens them", async () => {
    const user = userEvent.setup();
    const onOpen = vi.fn();
    vi.mocked(ipc.runsList).mockResolvedValue([]);
    render(<Sidebar screen="overview" onOpen={onOpen} onOpenJob={vi.fn()} theme="system" onTheme={vi.fn()} />, {
      wrapper: SyncJobProvider,
    });
    const nav = screen.getByRole("navigation", { name: "Screens" });
    const lists = within(nav).getAllByRole("list");
    expect(lists).toHaveLength(2);
    const [work, setup] = lists as [HTMLElement, HTMLElement];
    expect(within(work).getAllByRole("button").map((b) => b.title)).toEqual([
      "Overview (Ctrl+1)",
      "Leads (Ctrl+2)",
      "Sync (Ctrl+3)",
      "History (Ctrl+4)",
      "Schedules (Ctrl+5)",
    ]);
    expect(within(setup).getAllByRole("button").at(-1)?.title).toBe("Guardrails");
    await user.click(within(nav).getByRole("button", { name: "Schedules" }));
    expect(onOpen).toHaveBeenCalledWith("schedules");
    await user.click(within(nav).getByRole("button", { name: "Guardrails" }));
    expect(onOpen).toHaveBeenCalledWith("guardrails");
  });

  it("counts on History the runs stopped before their end and those a guardrail holds", async () => {
    vi.mocked(ipc.runsList).mockResolvedValue([
      run({ id: 3, mode: "preview", hold: "held" }),
      run({ id: 2, status: "interrupted", counts: counts({ pending: 4 }) }),
      run({ id: 1, mode: "preview", hold: "refused" }),
    ]);
    render(<Sidebar screen="overview" onOpen={vi.fn()} onOpenJob={vi.fn()} theme="system" onTheme={vi.fn()} />, {
      wrapper: SyncJobProvider,
    });
    const held = await screen.findByTestId("nav-held");
    expect(held.textContent).toBe("1 held");
    expect(held.closest("button")?.textContent).toBe("History11 held");
  });
});
