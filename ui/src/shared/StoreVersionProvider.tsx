import { useEffect, useState, type ReactNode } from "react";

import { storeVersion } from "./ipc";
import { STORE_CHECK_MS, StoreChangesContext } from "./storeChanges";

/**
 * Counts the store's changes for the views below: its version is read at start, when the window
 * gains focus or shows again, and every `STORE_CHECK_MS` while it is visible, so what the
 * command line (or anything else) wrote shows without a reload.
 */
export function StoreVersionProvider({ children }: { children: ReactNode }) {
  const [changes, setChanges] = useState(0);

  useEffect(() => {
    let current = true;
    let seen: number | null = null;
    // One question at a time: a slow answer is not overtaken by the next tick's.
    let asking = false;
    const check = () => {
      if (asking) return;
      asking = true;
      storeVersion().then(
        (version) => {
          asking = false;
          if (!current) return;
          if (seen !== null && version !== seen) setChanges((n) => n + 1);
          seen = version;
        },
        () => {
          // Outside the app, or no store: nothing to follow; the screens say why when used.
          asking = false;
        },
      );
    };
    const checkIfVisible = () => {
      if (document.visibilityState === "visible") check();
    };
    check();
    const timer = window.setInterval(checkIfVisible, STORE_CHECK_MS);
    window.addEventListener("focus", check);
    document.addEventListener("visibilitychange", checkIfVisible);
    return () => {
      current = false;
      window.clearInterval(timer);
      window.removeEventListener("focus", check);
      document.removeEventListener("visibilitychange", checkIfVisible);
    };
  }, []);

  return <StoreChangesContext.Provider value={changes}>{children}</StoreChangesContext.Provider>;
}
