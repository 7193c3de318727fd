import { useState } from "react";

import type { CommandError } from "./commandError";
import { toCommandError } from "./ipc";

/** A failed action: the command's error, under the title that says what didn't happen. */
export interface ActionError {
  error: CommandError;
  title: string;
}

/**
 * One action at a time on a screen: `run` marks it busy, clears the last error (and whatever
 * `onStart` clears: a status line, a warning), and on its answer calls `done` or keeps the error.
 */
export function useAction(onStart: () => void = () => undefined) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ActionError | null>(null);

  function run<T>(action: Promise<T>, title: string, done: (value: T) => void) {
    setBusy(true);
    setError(null);
    onStart();
    action.then(
      (value) => {
        done(value);
        setBusy(false);
      },
      (e: unknown) => {
        setError({ error: toCommandError(e), title });
        setBusy(false);
      },
    );
  }

  return { busy, error, run };
}
