// The Push rules screen's commands.

import type { PushRules } from "../bindings/PushRules";
import { call } from "../shared/ipc";

/** The active portal's push rules. */
export function pushRules(): Promise<PushRules> {
  return call("push_rules");
}

/** Changes either push rule (`null` keeps it); create without update is refused. */
export function setPushRules(update: boolean | null, create: boolean | null): Promise<PushRules> {
  return call("set_push_rules", { update, create });
}
