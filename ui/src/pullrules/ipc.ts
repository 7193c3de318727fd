// The pull rules screen's commands (src-tauri/src/commands/pull_rules.rs).

import type { PullRuleProperties } from "../bindings/PullRuleProperties";
import type { PullRules } from "../bindings/PullRules";
import type { PullRulesSaved } from "../bindings/PullRulesSaved";
import { call } from "../shared/ipc";

/** The active portal's pull rules (every contact when none were saved). */
export function pullRules(): Promise<PullRules> {
  return call("pull_rules");
}

/** The properties a condition can test, each with the operators that suit its type. */
export function pullRuleProperties(): Promise<PullRuleProperties> {
  return call("pull_rule_properties");
}

/** Saves the rules once the core accepts them; otherwise every problem, nothing saved. */
export function setPullRules(rules: PullRules): Promise<PullRulesSaved> {
  return call("set_pull_rules", { rules });
}
