// The app's request to open a run in History (`OPEN_RUN_EVENT` in src-tauri/src/notices.rs): sent
// when the admin clicks the OS notification of a run that ended while the window was not focused,
// or, where no click is reported, comes back to the window soon after it. `run_id` is null for a
// run that failed before it was recorded: History opens on its list then.

import { isTauri } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import type { OpenRun } from "../bindings/OpenRun";
import { outsideApp, toCommandError } from "../shared/ipc";

export const OPEN_RUN_EVENT = "open-run";

/** Calls `handler` each time the app asks to open a run; resolves to the function that stops it. */
export async function onOpenRun(handler: (open: OpenRun) => void): Promise<UnlistenFn> {
  if (!isTauri()) throw outsideApp();
  try {
    return await listen<OpenRun>(OPEN_RUN_EVENT, (message) => {
      handler(message.payload);
    });
  } catch (error) {
    throw toCommandError(error);
  }
}
