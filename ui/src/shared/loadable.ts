import type { CommandError } from "./commandError";

/** Data a command fetches: still coming, arrived, or failed. */
export type Loadable<T> =
  | { status: "loading" }
  | { status: "ready"; value: T }
  | { status: "failed"; error: CommandError };
