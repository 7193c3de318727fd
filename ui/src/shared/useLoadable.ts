import { useCallback, useEffect, useState } from "react";

import { toCommandError } from "./ipc";
import type { Loadable } from "./loadable";
import { useStoreChanges } from "./storeChanges";

/** Changes the value a `useLoadable` holds, as a command that saved it answered; nothing while none is held. */
export type UpdateLoaded<T> = (change: (value: T) => T) => void;

export interface LoadOptions {
  /**
   * Read again when the store changed (the default). Off for what comes from HubSpot rather
   * than the store, which a write to the store doesn't change and a read costs API calls.
   */
  followsStore?: boolean;
}

/** An answer, with the read it answers: a failure is shown only while nothing else is asked. */
interface Answer<T> {
  state: Loadable<T>;
  load: () => Promise<T>;
  version: number;
  storeChanges: number;
}

const LOADING = { status: "loading" } as const;

/**
 * What `load` reads, loaded again whenever `load` changes (wrap it in `useCallback` with what it
 * reads), `version` does (this page changed what it reads) or the store changed (any process
 * wrote to it; see `StoreVersionProvider`). Until a new answer arrives the last value stays on
 * screen (a failure gives way to "loading"), and only the latest read counts. The second
 * element changes the value held, for a screen that saved and got the new value back.
 */
export function useLoadable<T>(
  load: () => Promise<T>,
  version = 0,
  { followsStore = true }: LoadOptions = {},
): [Loadable<T>, UpdateLoaded<T>] {
  const changes = useStoreChanges();
  const storeChanges = followsStore ? changes : 0;
  const [answer, setAnswer] = useState<Answer<T> | null>(null);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => {
        if (current) setAnswer({ state: { status: "ready", value }, load, version, storeChanges });
      },
      (e: unknown) => {
        if (current) setAnswer({ state: { status: "failed", error: toCommandError(e) }, load, version, storeChanges });
      },
    );
    return () => {
      current = false;
    };
  }, [load, version, storeChanges]);

  const update = useCallback<UpdateLoaded<T>>((change) => {
    setAnswer((held) =>
      held?.state.status === "ready" ? { ...held, state: { status: "ready", value: change(held.state.value) } } : held,
    );
  }, []);

  const askedAgain =
    answer !== null && (answer.load !== load || answer.version !== version || answer.storeChanges !== storeChanges);
  if (answer === null || (askedAgain && answer.state.status === "failed")) return [LOADING, update];
  return [answer.state, update];
}
