// Which kind of portal Hubsync writes to, in words and a tone the whole window shares: the
// built-in sandbox, a HubSpot sandbox or test account, or production. A portal whose kind is not
// known (saved before Hubsync read it, or an account type it doesn't know) is treated as
// production: the careful reading.

import type { Portal } from "../bindings/Portal";
import type { PortalEnvironment } from "../bindings/PortalEnvironment";

export type EnvironmentTone = "builtin" | "test" | "production";

export interface EnvironmentWords {
  tone: EnvironmentTone;
  /** The short label of the top bar's badge. */
  label: string;
  /** One sentence on what writing here means. */
  note: string;
}

const WORDS: Record<PortalEnvironment, EnvironmentWords> = {
  "builtin-sandbox": {
    tone: "builtin",
    label: "Built-in sandbox",
    note: "Hubsync's own HubSpot-compatible portal with demo contacts. Nothing you do here reaches HubSpot.",
  },
  "hubspot-sandbox": {
    tone: "test",
    label: "HubSpot sandbox",
    note: "A HubSpot sandbox account: real HubSpot, but not your production data.",
  },
  "developer-test": {
    tone: "test",
    label: "Test account",
    note: "A HubSpot developer test account: real HubSpot, but not your production data.",
  },
  "app-developer": {
    tone: "test",
    label: "Developer account",
    note: "A HubSpot app developer account: it holds apps, not your production data.",
  },
  production: {
    tone: "production",
    label: "Production",
    note: "A live HubSpot portal: every run writes to real contacts.",
  },
  other: {
    tone: "production",
    label: "Production",
    note: "HubSpot names this account's type in a way Hubsync doesn't know, so it is treated as production.",
  },
  unknown: {
    tone: "production",
    label: "Unverified",
    note: "Hubsync hasn't read this portal's account type yet, so it is treated as production: Test connection reads it.",
  },
};

export function environmentOf(portal: Pick<Portal, "environment">): EnvironmentWords {
  return WORDS[portal.environment];
}

/** Whether a live run here asks for the portal's name before it writes. */
export function asksForName(portal: Pick<Portal, "environment">): boolean {
  return environmentOf(portal).tone === "production";
}
