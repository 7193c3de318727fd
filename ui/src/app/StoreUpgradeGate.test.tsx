import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { StoreUpgrade } from "../bindings/StoreUpgrade";
import { deferred } from "../test/fixtures";
import * as ipc from "./ipc";
import { StoreUpgradeGate } from "./StoreUpgradeGate";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, storeUpgrade: vi.fn(), onStoreUpgrade: vi.fn() };
});

/** The app's `store-upgrade` event, sent when the test says. */
let send: (upgrade: StoreUpgrade) => void = () => {
  throw new Error("nothing listens");
};

function step(step: number, migration: string, elapsedMs: number): StoreUpgrade {
  return { type: "step", step, steps: 2, migration, from_version: 12 + step, to_version: 13 + step, elapsed_ms: elapsedMs };
}

function renderGate() {
  render(
    <StoreUpgradeGate>
      <p>The screens</p>
    </StoreUpgradeGate>,
  );
}

beforeEach(() => {
  // The page's clock stands still unless a test moves it: no wait depends on the machine.
  vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"], now: 1_000_000 });
  vi.mocked(ipc.onStoreUpgrade).mockImplementation((handler) => {
    send = handler;
    return Promise.resolve(() => {
      send = () => undefined;
    });
  });
  vi.mocked(ipc.storeUpgrade).mockResolvedValue(null);
});

afterEach(() => {
  vi.useRealTimers();
  vi.resetAllMocks();
});

describe("StoreUpgradeGate", () => {
  it("shows each step of the upgrade with the time going on, then the screens", async () => {
    renderGate();
    expect(await screen.findByText("The screens")).toBeTruthy();
    await vi.waitFor(() => {
      expect(ipc.storeUpgrade).toHaveBeenCalled();
    });

    act(() => {
      send(step(1, "lead query paths", 0));
    });
    const notice = screen.getByTestId("store-upgrade");
    expect(screen.getByRole("heading").textContent).toBe("Upgrading your lead store…");
    expect(notice.textContent).toContain("Step 1 of 2: lead query paths · under a second so far");
    expect(screen.queryByText("The screens")).toBeNull();

    act(() => {
      vi.advanceTimersByTime(2_000);
    });
    expect(notice.textContent).toContain("Step 1 of 2: lead query paths · 2 s so far");

    act(() => {
      send(step(2, "contact snapshots", 2_100));
    });
    expect(screen.getByTestId("store-upgrade").textContent).toContain("Step 2 of 2: contact snapshots · 2 s so far");

    act(() => {
      send({ type: "done", steps: 2, elapsed_ms: 2_150 });
    });
    expect(screen.queryByTestId("store-upgrade")).toBeNull();
    expect(screen.getByText("The screens")).toBeTruthy();
  });

  it("shows an upgrade that began before the page loaded, from the step the app is at", async () => {
    const asked = deferred<StoreUpgrade | null>();
    vi.mocked(ipc.storeUpgrade).mockReturnValue(asked.promise);
    renderGate();
    await act(async () => {
      asked.resolve(step(1, "lead query paths", 4_200));
      await asked.promise;
    });
    expect(screen.getByTestId("store-upgrade").textContent).toContain("Step 1 of 2: lead query paths · 4 s so far");
  });

  it("keeps what the event said over an older answer to the question", async () => {
    const asked = deferred<StoreUpgrade | null>();
    vi.mocked(ipc.storeUpgrade).mockReturnValue(asked.promise);
    renderGate();
    await vi.waitFor(() => {
      expect(ipc.storeUpgrade).toHaveBeenCalled();
    });
    act(() => {
      send({ type: "done", steps: 2, elapsed_ms: 2_150 });
    });
    await act(async () => {
      asked.resolve(step(2, "contact snapshots", 2_100));
      await asked.promise;
    });
    expect(screen.queryByTestId("store-upgrade")).toBeNull();
    expect(screen.getByText("The screens")).toBeTruthy();
  });
});
