// The overview's command (src-tauri/src/commands/overview.rs): the app's first screen once a
// portal is connected.

import type { Overview } from "../bindings/Overview";
import { call } from "../shared/ipc";

/** The active portal and how it was last found, today's API use, the newest runs, the leads as
 * they stand with the portal and the setup checklist, from the store alone (no HubSpot call). */
export function overview(): Promise<Overview> {
  return call("overview");
}
