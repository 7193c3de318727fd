import type { CommandError as CommandErrorPayload } from "../bindings/CommandError";
import type { ErrorCode } from "../bindings/ErrorCode";

/** The codes the page makes itself, when the call never reached a command. */
export type PageErrorCode = "ipc_unavailable" | "ipc_failed" | "unknown";

/** A failed command; Rust sends every command error over IPC as `{ code, message }`, its code
 * one of the app's `ErrorCode`s (generated from `hubsync_api::ErrorCode`). */
export class CommandError extends Error {
  readonly code: ErrorCode | PageErrorCode;

  constructor(code: ErrorCode | PageErrorCode, message: string) {
    super(message);
    this.name = "CommandError";
    this.code = code;
  }
}

function isErrorPayload(value: unknown): value is CommandErrorPayload {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === "string" && typeof message === "string";
}

/** Turns whatever a rejected invoke produced into a `CommandError`. */
export function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  if (isErrorPayload(error)) return new CommandError(error.code, error.message);
  // The IPC bridge itself failed before the command ran.
  if (error instanceof Error) return new CommandError("ipc_failed", error.message);
  return new CommandError("unknown", String(error));
}
