import { useState } from "react";

import type { Screen } from "../app/screens";
import { heldRuns } from "../guardrails/ipc";
import { pauseAllSchedules, schedules } from "../schedules/ipc";
import { LastFiring } from "../schedules/SchedulesScreen";
import { nextRunWords, scopeWords } from "../schedules/words";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted } from "../shared/format";
import { useAction } from "../shared/useAction";
import { useLoadable } from "../shared/useLoadable";
import { useNow } from "../shared/useNow";

interface Props {
  onOpen: (screen: Screen) => void;
  onOpenRun: (runId: number) => void;
}

/**
 * The overview's Schedules card: what runs next and when, how the last one came out, "Pause
 * all", and the runs a guardrail held that wait for the admin.
 */
export function SchedulesCard({ onOpen, onOpenRun }: Props) {
  const [reads, setReads] = useState(0);
  const [summary] = useLoadable(schedules, reads);
  const [held] = useLoadable(heldRuns);
  const action = useAction();
  const now = useNow();
  const waiting = held.status === "ready" ? held.value : [];

  return (
    <section className="card" aria-labelledby="schedules-card-title" data-testid="overview-schedules">
      <h3 id="schedules-card-title">Schedules</h3>
      {summary.status === "failed" &&
        (summary.error.code === "not_connected" ? (
          <p className="muted">Connect a portal to schedule its syncs.</p>
        ) : (
          <ErrorMessage error={summary.error} title="The schedules could not be read" />
        ))}
      {summary.status === "ready" &&
        (summary.value.schedules.length === 0 ? (
          <p className="muted">No schedules: the app syncs only when you run it.</p>
        ) : (
          <>
            <p data-testid="overview-next-run">
              {summary.value.paused_all ? (
                "Every schedule is paused."
              ) : (
                <NextRun
                  scope={summary.value.schedules.find((s) => s.id === summary.value.next_schedule_id)?.scope ?? null}
                  at={summary.value.next_run}
                  now={now}
                />
              )}
            </p>
            {summary.value.last !== null && (
              <p data-testid="overview-last-firing">
                Last, schedule {summary.value.last_schedule_id}:{" "}
                <LastFiring last={summary.value.last} now={now} onOpenRun={onOpenRun} />
              </p>
            )}
            <label className="field-check">
              <input
                type="checkbox"
                checked={summary.value.paused_all}
                disabled={action.busy}
                onChange={(e) => {
                  const pause = e.currentTarget.checked;
                  action.run(pauseAllSchedules(pause), "The schedules were not changed", () => {
                    setReads((n) => n + 1);
                  });
                }}
              />
              Pause all schedules
            </label>
          </>
        ))}
      {waiting.length > 0 && (
        <p className="notice notice-warning" data-testid="overview-held">
          {counted(waiting.length, "run")} held by a guardrail {waiting.length === 1 ? "waits" : "wait"} for your
          approval.{" "}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              const [only] = waiting;
              if (waiting.length === 1 && only !== undefined) onOpenRun(only.run_id);
              else onOpen("history");
            }}
          >
            {waiting.length === 1 ? "Open it in History" : "Open History"}
          </button>
        </p>
      )}
      {action.error !== null && <ErrorMessage error={action.error.error} title={action.error.title} />}
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            onOpen("schedules");
          }}
        >
          Open Schedules
        </button>
      </div>
    </section>
  );
}

function NextRun({ scope, at, now }: { scope: Parameters<typeof scopeWords>[0] | null; at: string | null; now: number }) {
  if (at === null || scope === null) return <>Nothing is scheduled to run.</>;
  return (
    <>
      Next: {scopeWords(scope).toLowerCase()}, {nextRunWords(at, false, now)}
    </>
  );
}
