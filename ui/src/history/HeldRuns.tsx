import type { Run } from "../bindings/Run";
import { heldRuns } from "../guardrails/ipc";
import { crossingWords } from "../guardrails/words";
import { ErrorMessage } from "../shared/ErrorMessage";
import { formatTime } from "../shared/format";
import { useLoadable } from "../shared/useLoadable";
import { capitalized } from "../sync/words";

/**
 * History's top: the active portal's runs a guardrail held, waiting for approval, each with what
 * it crossed; opening one shows Approve once and Refuse. Nothing while none waits.
 */
export function HeldRuns({
  runs,
  version,
  onOpen,
}: {
  runs: readonly Run[];
  /** Bumped when History reads its runs again. */
  version: number;
  onOpen: (runId: number) => void;
}) {
  const [held] = useLoadable(heldRuns, version);
  if (held.status === "failed") return <ErrorMessage error={held.error} title="The held runs could not be read" />;
  if (held.status !== "ready" || held.value.length === 0) return null;
  return (
    <section className="notice notice-warning held-runs" aria-labelledby="held-runs-title" data-testid="held-runs">
      <h3 id="held-runs-title" className="notice-title">
        Waiting for your approval
      </h3>
      <ul>
        {held.value.map((hold) => {
          const run = runs.find((r) => r.id === hold.run_id);
          return (
            <li key={hold.run_id} data-testid="held-run-line">
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  onOpen(hold.run_id);
                }}
              >
                Open run {hold.run_id}
              </button>{" "}
              {run === undefined ? "" : `${capitalized(run.kind)}${run.schedule_id === null ? "" : ` of schedule ${String(run.schedule_id)}`}, `}
              held {formatTime(hold.held_at)}: {hold.crossed.map(crossingWords).join("; ")}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
