import { useEffect, useState } from "react";

import { toCommandError } from "./ipc";
import type { Loadable } from "./loadable";

/**
 * What `load` reads, loaded again whenever `load` changes (wrap it in `useCallback` with what it
 * reads) or `version` does (something changed what it reads). Until a new answer arrives the
 * last one stays on screen, and only the latest counts.
 */
export function useLoadable<T>(load: () => Promise<T>, version = 0): Loadable<T> {
  const [state, setState] = useState<Loadable<T>>({ status: "loading" });
  useEffect(() => {
    let current = true;
    load().then(
      (value) => {
        if (current) setState({ status: "ready", value });
      },
      (e: unknown) => {
        if (current) setState({ status: "failed", error: toCommandError(e) });
      },
    );
    return () => {
      current = false;
    };
  }, [load, version]);
  return state;
}
