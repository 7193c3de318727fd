import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { portal, sandboxPortal } from "../test/fixtures";
import { ActivePortal } from "./ActivePortal";
import * as ipc from "./ipc";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, testConnection: vi.fn(), disconnect: vi.fn() };
});

const noLimits = { max: null, remaining: null, interval_ms: null, daily: null, daily_remaining: null };

beforeEach(() => {
  vi.mocked(ipc.testConnection).mockReset();
  vi.mocked(ipc.disconnect).mockReset();
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
});
