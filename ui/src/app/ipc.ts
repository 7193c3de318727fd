// The app shell's own command: the log folder.

import { call } from "../shared/ipc";

/** Opens the app's log folder in the file manager; resolves to where it is. */
export function openLogs(): Promise<string> {
  return call("open_logs");
}
