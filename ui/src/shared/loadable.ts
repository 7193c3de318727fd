import type { CommandError } from "./portal";

/** Data a command fetches: still coming, arrived, or failed. */
export type Loadable<T> =
  | { status: "loading" }
  | { status: "ready"; value: T }
  | { status: "failed"; error: CommandError };
