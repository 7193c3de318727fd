// Which kind of portal Hubsync writes to, in words and a tone the whole window shares: the
// built-in sandbox, a HubSpot sandbox or test account, or production. A portal whose kind is not
// known yet is treated as production: the careful reading.

import type { Portal } from "../bindings/Portal";
import { isSandbox } from "./format";

export type EnvironmentTone = "builtin" | "test" | "production";

export interface EnvironmentWords {
  tone: EnvironmentTone;
  /** The short label of the top bar's badge. */
  label: string;
  /** One sentence on what writing here means. */
  note: string;
}

export function environmentOf(portal: Pick<Portal, "token_kind">): EnvironmentWords {
  if (isSandbox(portal)) {
    return {
      tone: "builtin",
      label: "Built-in sandbox",
      note: "Hubsync's own HubSpot-compatible portal with demo contacts. Nothing you do here reaches HubSpot.",
    };
  }
  return {
    tone: "production",
    label: "Production",
    note: "A live HubSpot portal: every run writes to real contacts.",
  };
}

/** Whether a live run here asks for the portal's name before it writes. */
export function asksForName(portal: Pick<Portal, "token_kind">): boolean {
  return environmentOf(portal).tone === "production";
}
