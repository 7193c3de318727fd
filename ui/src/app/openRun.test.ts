import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { OpenRun } from "../bindings/OpenRun";
import { onOpenRun } from "./openRun";

describe("onOpenRun", () => {
  beforeEach(() => {
    mockIPC(() => undefined, { shouldMockEvents: true });
    (globalThis as { isTauri?: boolean }).isTauri = true;
  });

  afterEach(() => {
    clearMocks();
    delete (globalThis as { isTauri?: boolean }).isTauri;
  });

  it("hands each open-run request to the handler until stopped", async () => {
    const heard: OpenRun[] = [];
    const stop = await onOpenRun((open) => heard.push(open));
    await emit("open-run", { run_id: 42 });
    await emit("open-run", { run_id: null });
    stop();
    await emit("open-run", { run_id: 7 });
    expect(heard).toEqual([{ run_id: 42 }, { run_id: null }]);
  });

  it("says the page runs outside the app when it does", async () => {
    delete (globalThis as { isTauri?: boolean }).isTauri;
    await expect(onOpenRun(() => undefined)).rejects.toMatchObject({ code: "ipc_unavailable" });
  });
});
