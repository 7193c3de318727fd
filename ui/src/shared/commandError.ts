import type { CommandError as CommandErrorPayload } from "../bindings/CommandError";

/** A failed command; Rust sends every command error over IPC as `{ code, message }`. */
export class CommandError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
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
