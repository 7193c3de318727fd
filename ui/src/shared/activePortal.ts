// The portal the window works on, for views deep in a screen that must know what kind it is
// (a live run's confirmation asks for a production portal's name).

import { createContext, useContext } from "react";

import type { Portal } from "../bindings/Portal";

export const ActivePortalContext = createContext<Portal | null>(null);

/** The active portal; `null` when none is, or while the portals load. */
export function useActivePortal(): Portal | null {
  return useContext(ActivePortalContext);
}
