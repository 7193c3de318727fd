import { useCallback, useEffect, useState } from "react";

import { toCommandError } from "./ipc";
import type { Loadable } from "./loadable";

/** Changes the value a `useLoadable` holds, as a command that saved it answered; nothing while none is held. */
export type UpdateLoaded<T> = (change: (value: T) => T) => void;

/** An answer, with the read it answers: a failure is shown only while nothing else is asked. */
interface Answer<T> {
  state: Loadable<T>;
  load: () => Promise<T>;
  version: number;
}

const LOADING = { status: "loading" } as const;

/**
 * What `load` reads, loaded again whenever `load` changes (wrap it in `useCallback` with what it
 * reads) or `version` does (something changed what it reads). Until a new answer arrives the
 * last value stays on screen (a failure gives way to "loading"), and only the latest read counts.
 * The second element changes the value held, for a screen that saved and got the new value back.
 */
export function useLoadable<T>(load: () => Promise<T>, version = 0): [Loadable<T>, UpdateLoaded<T>] {
  const [answer, setAnswer] = useState<Answer<T> | null>(null);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => {
        if (current) setAnswer({ state: { status: "ready", value }, load, version });
      },
      (e: unknown) => {
        if (current) setAnswer({ state: { status: "failed", error: toCommandError(e) }, load, version });
      },
    );
    return () => {
      current = false;
    };
  }, [load, version]);

  const update = useCallback<UpdateLoaded<T>>((change) => {
    setAnswer((held) =>
      held?.state.status === "ready" ? { ...held, state: { status: "ready", value: change(held.state.value) } } : held,
    );
  }, []);

  const askedAgain = answer !== null && (answer.load !== load || answer.version !== version);
  if (answer === null || (askedAgain && answer.state.status === "failed")) return [LOADING, update];
  return [answer.state, update];
}
