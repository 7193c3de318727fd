import { act, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import * as ipc from "./ipc";
import { STORE_CHECK_MS } from "./storeChanges";
import { StoreVersionProvider } from "./StoreVersionProvider";
import { useLoadable } from "./useLoadable";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, storeVersion: vi.fn() };
});

const fromStore = vi.fn<() => Promise<string>>();
const fromHubSpot = vi.fn<() => Promise<string>>();

/** Two loaded views: one of the store, one of HubSpot. */
function Views() {
  const [store] = useLoadable(fromStore);
  const [hubspot] = useLoadable(fromHubSpot, 0, { followsStore: false });
  return (
    <>
      <p data-testid="store">{store.status === "ready" ? store.value : store.status}</p>
      <p data-testid="hubspot">{hubspot.status === "ready" ? hubspot.value : hubspot.status}</p>
    </>
  );
}

let version = 1;
let reads = 0;

beforeEach(() => {
  version = 1;
  reads = 0;
  vi.mocked(ipc.storeVersion).mockReset().mockImplementation(() => Promise.resolve(version));
  fromStore.mockReset().mockImplementation(() => {
    reads += 1;
    return Promise.resolve(`read ${String(reads)}`);
  });
  fromHubSpot.mockReset().mockResolvedValue("properties");
});

afterEach(() => {
  vi.useRealTimers();
});

describe("StoreVersionProvider", () => {
  it("reloads the store's views when the window gains focus after another process wrote", async () => {
    render(
      <StoreVersionProvider>
        <Views />
      </StoreVersionProvider>,
    );
    expect((await screen.findByText("read 1")).dataset.testid).toBe("store");
    await waitFor(() => {
      expect(ipc.storeVersion).toHaveBeenCalledTimes(1);
    });

    // Nothing wrote: nothing is read again.
    act(() => {
      window.dispatchEvent(new Event("focus"));
    });
    await waitFor(() => {
      expect(ipc.storeVersion).toHaveBeenCalledTimes(2);
    });
    expect(fromStore).toHaveBeenCalledTimes(1);

    version = 2;
    act(() => {
      window.dispatchEvent(new Event("focus"));
    });
    expect(await screen.findByText("read 2")).toBeTruthy();
    // What comes from HubSpot is not the store's: it is not read again.
    expect(fromHubSpot).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("hubspot").textContent).toBe("properties");
  });

  it("checks every few seconds while the window is visible", async () => {
    vi.useFakeTimers();
    render(
      <StoreVersionProvider>
        <Views />
      </StoreVersionProvider>,
    );
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(ipc.storeVersion).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("store").textContent).toBe("read 1");

    version = 5;
    await act(() => vi.advanceTimersByTimeAsync(STORE_CHECK_MS));
    expect(ipc.storeVersion).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId("store").textContent).toBe("read 2");

    // Hidden, the window asks nothing.
    const visibility = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    await act(() => vi.advanceTimersByTimeAsync(3 * STORE_CHECK_MS));
    expect(ipc.storeVersion).toHaveBeenCalledTimes(2);
    // Shown again, it asks at once.
    visibility.mockReturnValue("visible");
    version = 6;
    await act(async () => {
      document.dispatchEvent(new Event("visibilitychange"));
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(ipc.storeVersion).toHaveBeenCalledTimes(3);
    expect(screen.getByTestId("store").textContent).toBe("read 3");
    visibility.mockRestore();
  });
});
