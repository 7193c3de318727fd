import type { CommandError } from "./commandError";
import { nextStep } from "./format";

/** A failed command in words: what happened, its code, and what to do next when obvious. */
export function ErrorMessage({ error, title }: { error: CommandError; title: string }) {
  const hint = nextStep(error.code);
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{title}</p>
      <p className="error-detail">
        {error.message} <code>{error.code}</code>
      </p>
      {hint !== undefined && <p className="notice-hint">{hint}</p>}
    </div>
  );
}
