// The app shell's own commands and events: the log folder, the store's upgrade at start.

import type { UnlistenFn } from "@tauri-apps/api/event";

import type { StoreUpgrade } from "../bindings/StoreUpgrade";
import { call, listenTo } from "../shared/ipc";

/** Opens the app's log folder in the file manager; resolves to where it is. */
export function openLogs(): Promise<string> {
  return call("open_logs");
}

/** The step the store's upgrade is at while the app opens a store from an older Hubsync; `null` when none goes on. */
export function storeUpgrade(): Promise<StoreUpgrade | null> {
  return call("store_upgrade");
}

/** Calls `handler` as each step of the store's upgrade starts, and at its end; resolves to the function that stops it. */
export function onStoreUpgrade(handler: (upgrade: StoreUpgrade) => void): Promise<UnlistenFn> {
  return listenTo("store-upgrade", handler);
}
