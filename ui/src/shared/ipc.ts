// Calling the app's IPC commands: every feature's ipc module goes through `call`, so every
// rejection becomes a `CommandError`. Argument names are camelCase: Tauri maps them to the Rust
// commands' snake_case parameters.

import { invoke, isTauri, type InvokeArgs } from "@tauri-apps/api/core";

import { CommandError, toCommandError } from "./commandError";

export { CommandError, toCommandError };

/** Why a command can't be called: the page runs outside the app (a browser on the dev server). */
export function outsideApp(): CommandError {
  return new CommandError(
    "ipc_unavailable",
    "This page is running outside the Hubsync app, so it cannot reach the app's portals.",
  );
}

/** Calls a command; a rejection arrives as a `CommandError`. Every feature's ipc module uses it. */
export async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  if (!isTauri()) throw outsideApp();
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toCommandError(error);
  }
}
