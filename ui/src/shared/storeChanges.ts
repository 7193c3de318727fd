// How many times the store changed since the page loaded, as `StoreVersionProvider` sees it:
// every loaded view reads again when it grows, whichever process wrote.

import { createContext, useContext } from "react";

/** How often the store's version is checked while the window is visible. */
export const STORE_CHECK_MS = 5000;

export const StoreChangesContext = createContext(0);

/** The store's change count; 0 without a `StoreVersionProvider` above (as in most tests). */
export function useStoreChanges(): number {
  return useContext(StoreChangesContext);
}
