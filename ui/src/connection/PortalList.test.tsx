import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { portal, sandboxPortal } from "../test/fixtures";
import * as ipc from "./ipc";
import { PortalList } from "./PortalList";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, activatePortal: vi.fn(), activateSandbox: vi.fn() };
});

beforeEach(() => {
  vi.mocked(ipc.activatePortal).mockReset();
  vi.mocked(ipc.activateSandbox).mockReset();
});

describe("PortalList", () => {
  it("marks the active portal and switches to another one", async () => {
    const user = userEvent.setup();
    const onChanged = vi.fn();
    const other = portal({ portal_id: 777, name: "beta.hubspot.com", active: false });
    vi.mocked(ipc.activatePortal).mockResolvedValue({ ...other, active: true });
    render(<PortalList portals={[portal(), other, { ...sandboxPortal, active: false }]} onChanged={onChanged} />);

    const rows = screen.getAllByRole("listitem");
    expect(rows[0]?.getAttribute("aria-current")).toBe("true");
    expect(rows[0]?.textContent).toContain("Active");

    await user.click(screen.getByRole("button", { name: "Use beta.hubspot.com (777)" }));
    expect(ipc.activatePortal).toHaveBeenCalledWith(777);
    await vi.waitFor(() => {
      expect(onChanged).toHaveBeenCalledTimes(1);
    }, { timeout: 10_000 });
  });

  it("opens the built-in sandbox portal through use_sandbox", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.activateSandbox).mockResolvedValue(sandboxPortal);
    render(<PortalList portals={[portal(), { ...sandboxPortal, active: false }]} onChanged={vi.fn()} />);

    await user.click(screen.getByRole("button", { name: "Open the built-in sandbox portal" }));
    expect(ipc.activateSandbox).toHaveBeenCalledTimes(1);
    expect(ipc.activatePortal).not.toHaveBeenCalled();
  });
});
