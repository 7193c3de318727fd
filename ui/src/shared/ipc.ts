// Calling the app's IPC commands: every feature's ipc module goes through `call`, so every
// rejection becomes a `CommandError` and only the app's commands can be named. Argument names
// are camelCase: Tauri maps them to the Rust commands' snake_case parameters.

import { invoke, isTauri, type InvokeArgs } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import type { CommandName } from "../bindings/CommandName";
import type { OAuthFinished } from "../bindings/OAuthFinished";
import type { StoreUpgrade } from "../bindings/StoreUpgrade";
import type { SyncJobEvent } from "../bindings/SyncJobEvent";
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
export async function call<T>(command: CommandName, args?: InvokeArgs): Promise<T> {
  if (!isTauri()) throw outsideApp();
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toCommandError(error);
  }
}

/** The app's events the page listens to, and what each carries. */
export interface AppEvents {
  /** How an OAuth attempt ended (`OAUTH_FINISHED` in src-tauri). */
  "oauth-finished": OAuthFinished;
  /** The app's sync job: its progress, then its end (`SYNC_JOB_EVENT` in src-tauri). */
  "sync-job": SyncJobEvent;
  /** Each step of the store's upgrade at start, then its end (`STORE_UPGRADE_EVENT` in src-tauri). */
  "store-upgrade": StoreUpgrade;
}

/** Calls `handler` with each payload of the app's event `event`; resolves to the function that stops it. */
export async function listenTo<E extends keyof AppEvents>(
  event: E,
  handler: (payload: AppEvents[E]) => void,
): Promise<UnlistenFn> {
  if (!isTauri()) throw outsideApp();
  try {
    return await listen<AppEvents[E]>(event, (message) => {
      handler(message.payload);
    });
  } catch (error) {
    throw toCommandError(error);
  }
}

/** A number that changes whenever any process (the command line too) wrote to the store. */
export function storeVersion(): Promise<number> {
  return call("store_version");
}
