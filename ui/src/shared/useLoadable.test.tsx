import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { deferred } from "../test/fixtures";
import { CommandError } from "./commandError";
import { useLoadable } from "./useLoadable";

describe("useLoadable", () => {
  it("is loading, then holds the answer", async () => {
    const answer = deferred<string>();
    const load = () => answer.promise;
    const { result } = renderHook(() => useLoadable(load));
    expect(result.current[0]).toEqual({ status: "loading" });
    answer.resolve("ready");
    await waitFor(() => {
      expect(result.current[0]).toEqual({ status: "ready", value: "ready" });
    });
  });

  it("turns a rejection into a CommandError", async () => {
    const load = () => Promise.reject(new CommandError("not_connected", "no portal"));
    const { result } = renderHook(() => useLoadable(load));
    await waitFor(() => {
      expect(result.current[0].status).toBe("failed");
    });
    const state = result.current[0];
    expect(state.status === "failed" && state.error.code).toBe("not_connected");
  });

  it("counts only the latest read, keeping the last value on screen until it answers", async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    const answers = [first, second];
    const load = () => answers.shift()?.promise ?? Promise.reject(new Error("asked too often"));
    const { result, rerender } = renderHook(({ version }) => useLoadable(load, version), {
      initialProps: { version: 0 },
    });
    rerender({ version: 1 });
    second.resolve("new");
    await waitFor(() => {
      expect(result.current[0]).toEqual({ status: "ready", value: "new" });
    });
    // The read asked first answers last: too late to count.
    first.resolve("old");
    await act(() => first.promise);
    expect(result.current[0]).toEqual({ status: "ready", value: "new" });

    const third = deferred<string>();
    answers.push(third);
    rerender({ version: 2 });
    expect(result.current[0]).toEqual({ status: "ready", value: "new" });
    third.resolve("newer");
    await waitFor(() => {
      expect(result.current[0]).toEqual({ status: "ready", value: "newer" });
    });
  });

  it("shows a failed read as loading while it is asked again", async () => {
    const retry = deferred<string>();
    const answers = [() => Promise.reject(new CommandError("sandbox_stopped", "stopped")), () => retry.promise];
    const load = () => answers.shift()?.() ?? Promise.reject(new Error("asked too often"));
    const { result, rerender } = renderHook(({ version }) => useLoadable(load, version), {
      initialProps: { version: 0 },
    });
    await waitFor(() => {
      expect(result.current[0].status).toBe("failed");
    });
    rerender({ version: 1 });
    expect(result.current[0]).toEqual({ status: "loading" });
    retry.resolve("started");
    await waitFor(() => {
      expect(result.current[0]).toEqual({ status: "ready", value: "started" });
    });
  });

  it("changes the value it holds, and nothing before it holds one", async () => {
    const answer = deferred<number[]>();
    const load = () => answer.promise;
    const { result } = renderHook(() => useLoadable(load));
    act(() => {
      result.current[1]((list) => [...list, 9]);
    });
    expect(result.current[0]).toEqual({ status: "loading" });
    answer.resolve([1, 2]);
    await waitFor(() => {
      expect(result.current[0]).toEqual({ status: "ready", value: [1, 2] });
    });
    act(() => {
      result.current[1]((list) => [...list, 3]);
    });
    expect(result.current[0]).toEqual({ status: "ready", value: [1, 2, 3] });
  });
});
