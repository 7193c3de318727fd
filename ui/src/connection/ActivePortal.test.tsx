import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { portal, sandboxPortal } from "../test/fixtures";
import { ActivePortal } from "./ActivePortal";
import * as ipc from "./ipc";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, testConnection: vi.fn(), disconnect: vi.fn(), dailyUse: vi.fn(), setDailyReserve: vi.fn() };
});

const noLimits = { max: null, remaining: null, interval_ms: null, daily: null, daily_remaining: null };

beforeEach(() => {
  vi.mocked(ipc.testConnection).mockReset();
  vi.mocked(ipc.disconnect).mockReset();
  vi.mocked(ipc.dailyUse).mockReset().mockResolvedValue(null);
  vi.mocked(ipc.setDailyReserve).mockReset();
});

describe("ActivePortal", () => {
  it("lists the active portal's facts", () => {
    render(<ActivePortal portal={portal()} onChanged={vi.fn()} />);
    const card = screen.getByRole("region", { name: "Active portal" });
    expect(card.textContent).toContain("acme.hubspot.com");
    expect(card.textContent).toContain("4412345");
    expect(card.textContent).toContain("OAuth");
    expect(card.textContent).toContain("admin@acme.test");
    expect(card.textContent).toContain("crm.objects.owners.read");
    expect(card.textContent).toContain("The system keychain");
  });

  it("renders a failed check with its detail and time", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.testConnection).mockResolvedValue({
      passed: false,
      checks: [
        { check: "token", passed: true, detail: "private app token for portal 4412345", millis: 81 },
        {
          check: "owners read",
          passed: false,
          detail: "the token is missing the scope crm.objects.owners.read",
          millis: 143,
          code: "missing_scopes",
        },
      ],
      rate_limit: noLimits,
      scopes: [],
    });
    render(<ActivePortal portal={portal({ token_kind: "private-app", user_email: "" })} onChanged={vi.fn()} />);

    await user.click(screen.getByRole("button", { name: "Test connection" }));

    const report = await screen.findByTestId("test-report");
    expect(report.textContent).toContain("1 of 2 checks failed.");
    const rows = within(report).getAllByRole("listitem");
    expect(rows).toHaveLength(2);
    const failed = rows[1];
    if (failed === undefined) throw new Error("no second check");
    expect(failed.className).toContain("check-failed");
    expect(failed.textContent).toContain("owners read failed");
    expect(failed.textContent).toContain("the token is missing the scope crm.objects.owners.read");
    expect(failed.textContent).toContain("143 ms");
    expect(failed.textContent).toContain("missing_scopes");
    expect(rows[0]?.textContent).toContain("token passed");
  });

  it("lists the companies and deals scopes beside the checks, each granted, missing or unknown", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.testConnection).mockResolvedValue({
      passed: true,
      checks: [{ check: "token", passed: true, detail: "private app token for portal 4412345", millis: 81 }],
      rate_limit: noLimits,
      scopes: [
        { scope: "crm.objects.companies.read", state: "granted", source: "probe", detail: "HubSpot took a call that needs it" },
        {
          scope: "crm.objects.companies.write",
          state: "missing",
          source: "probe",
          detail: "the token lacks the scope: companies can't be created or updated; add it to the app's scopes",
        },
        {
          scope: "crm.objects.deals.read",
          state: "unknown",
          source: "probe",
          detail: "could not reach HubSpot",
          code: "hubspot_unreachable",
        },
      ],
    });
    render(<ActivePortal portal={portal({ token_kind: "private-app" })} onChanged={vi.fn()} />);
    await user.click(screen.getByRole("button", { name: "Test connection" }));

    const scopes = await screen.findByTestId("test-scopes");
    const list = within(scopes).getByRole("list", { name: "Companies and deals" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((i) => i.querySelector(".check-title")?.textContent)).toEqual([
      "crm.objects.companies.read granted",
      "crm.objects.companies.write missing",
      "crm.objects.deals.read unknown",
    ]);
    expect(items[1]?.className).toContain("check-failed");
    expect(items[1]?.textContent).toContain("companies can't be created or updated");
    expect(items[2]?.textContent).toContain("hubspot_unreachable");
    expect(screen.getByTestId("test-report").textContent).toContain("All checks passed.");
  });

  it("disconnects only after confirming, promising rules and mappings are kept", async () => {
    const user = userEvent.setup();
    const onChanged = vi.fn();
    const active = portal();
    vi.mocked(ipc.disconnect).mockResolvedValue({
      ...active,
      status: "disconnected",
      revoked: true,
      secret_deleted: true,
    });
    render(<ActivePortal portal={active} onChanged={onChanged} />);

    await user.click(screen.getByRole("button", { name: "Disconnect…" }));
    const confirm = screen.getByRole("group", { name: /Disconnect acme\.hubspot\.com/ });
    expect(confirm.textContent).toContain("rules and mappings are kept");
    expect(document.activeElement?.textContent).toBe("Keep connected");
    expect(ipc.disconnect).not.toHaveBeenCalled();

    await user.click(within(confirm).getByRole("button", { name: "Disconnect" }));

    expect(ipc.disconnect).toHaveBeenCalledWith(4_412_345);
    const done = await screen.findByRole("status");
    expect(done.textContent).toContain("revoked at HubSpot");
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("offers no Disconnect for the built-in sandbox portal", () => {
    render(<ActivePortal portal={sandboxPortal} onChanged={vi.fn()} />);
    const card = screen.getByRole("region", { name: "Active portal" });
    expect(card.textContent).toContain("Connected withBuilt-in sandbox portal");
    expect(card.textContent).toContain("the built-in portal's token belongs to the app");
    expect(screen.queryByRole("button", { name: "Disconnect…" })).toBeNull();
  });

  it("shows the day's API use as HubSpot last stated it, and the share kept free", async () => {
    vi.mocked(ipc.dailyUse).mockResolvedValue({
      limit: 250_000,
      used: 12_500,
      remaining: 237_500,
      reserve_percent: 10,
      seen_at: "2025-01-15T10:00:00Z",
    });
    render(<ActivePortal portal={portal({ token_kind: "private-app" })} onChanged={vi.fn()} />);
    const line = await screen.findByTestId("daily-use");
    expect(line.textContent).toContain("12,500 of 250,000 calls used today (5.0 %)");
    expect(screen.getByLabelText("Keep free for the portal's other apps")).toHaveProperty("value", "10");
  });

  it("says the day's use is not known before HubSpot stated it", async () => {
    render(<ActivePortal portal={portal()} onChanged={vi.fn()} />);
    expect((await screen.findByTestId("daily-use")).textContent).toContain("Not known yet");
  });

  it("saves a new reserve typed in, and refuses one out of range", async () => {
    const user = userEvent.setup();
    const onChanged = vi.fn();
    vi.mocked(ipc.setDailyReserve).mockResolvedValue(portal({ daily_reserve_percent: 25 }));
    render(<ActivePortal portal={portal()} onChanged={onChanged} />);
    const field = screen.getByLabelText("Keep free for the portal's other apps");
    const save = within(screen.getByRole("form", { name: "Daily reserve" })).getByRole("button", { name: "Save" });
    expect(save).toHaveProperty("disabled", true);
    await user.clear(field);
    await user.type(field, "95");
    expect(save).toHaveProperty("disabled", true);
    expect(screen.getByText("A whole number from 0 to 90.")).toBeDefined();
    await user.clear(field);
    await user.type(field, "25");
    await user.click(save);
    expect(ipc.setDailyReserve).toHaveBeenCalledWith(25);
    await vi.waitFor(() => {
      expect(onChanged).toHaveBeenCalled();
    });
    expect(ipc.dailyUse).toHaveBeenCalledTimes(2);
  });
});
