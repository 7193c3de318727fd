import { useCallback, useId, useState } from "react";

import type { LastFiringView } from "../bindings/LastFiringView";
import type { ScheduleView } from "../bindings/ScheduleView";
import { agoWords } from "../overview/words";
import { ErrorMessage } from "../shared/ErrorMessage";
import { RemoveButton } from "../shared/RemoveButton";
import { useAction } from "../shared/useAction";
import { useLoadable } from "../shared/useLoadable";
import { useNow } from "../shared/useNow";
import { ConfirmDialog } from "../sync/ConfirmDialog";
import { AddScheduleForm } from "./AddScheduleForm";
import { pauseAllSchedules, pauseSchedule, removeSchedule, schedules } from "./ipc";
import { cadenceWords, lastWords, nextRunWords, scopeWords } from "./words";
import "./schedules.css";

interface Props {
  /** Opens a run in History. */
  onOpenRun: (runId: number) => void;
}

/**
 * Schedules: the active portal's pushes and pulls the app runs on its own, their next and last
 * runs, each paused or removed, "Pause all", and a form to add one.
 */
export function SchedulesScreen({ onOpenRun }: Props) {
  const [reads, setReads] = useState(0);
  const [summary] = useLoadable(schedules, reads);
  const reload = useCallback(() => {
    setReads((n) => n + 1);
  }, []);
  const [status, setStatus] = useState("");
  const action = useAction(() => {
    setStatus("");
  });
  const [removing, setRemoving] = useState<ScheduleView | null>(null);
  const ids = useId();
  const now = useNow();

  function done(said: string) {
    return () => {
      setStatus(said);
      reload();
    };
  }

  return (
    <div className="screen">
      <section className="card" aria-labelledby={`${ids}-title`}>
        <h2 id={`${ids}-title`}>Schedules</h2>
        <p className="muted">
          Pushes and pulls the app runs on its own for the active portal, while it runs (in the tray too). Each is a
          preview first, checked against your guardrails, then run: one that would cross a guardrail is held in
          History for you to approve or refuse. A schedule whose time came while another sync ran waits for its next
          time.
        </p>
        {summary.status === "loading" && <p aria-busy="true">Loading the schedules…</p>}
        {summary.status === "failed" && <ErrorMessage error={summary.error} title="The schedules could not be read" />}
        {summary.status === "ready" && (
          <>
            {summary.value.paused_all && (
              <p className="notice notice-warning" data-testid="schedules-paused-all">
                Every schedule is paused: none fires until you resume them.
              </p>
            )}
            <div className="actions">
              <button
                type="button"
                disabled={action.busy || summary.value.schedules.length === 0}
                onClick={() => {
                  const pause = !summary.value.paused_all;
                  action.run(
                    pauseAllSchedules(pause),
                    pause ? "The schedules were not paused" : "The schedules were not resumed",
                    done(pause ? "Every schedule is paused." : "The schedules fire again from now on."),
                  );
                }}
              >
                {summary.value.paused_all ? "Resume all" : "Pause all"}
              </button>
            </div>
            {summary.value.schedules.length === 0 ? (
              <p className="muted" data-testid="no-schedules">
                No schedules yet: add one below.
              </p>
            ) : (
              <div className="table-wrap">
                <table className="table schedules-table" data-testid="schedules-table">
                  <thead>
                    <tr>
                      <th scope="col">Schedule</th>
                      <th scope="col">When</th>
                      <th scope="col">Next run</th>
                      <th scope="col">Last run</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {summary.value.schedules.map((s) => {
                      const name = `schedule ${String(s.id)}`;
                      return (
                        <tr key={s.id} data-testid="schedule-row" data-schedule-id={s.id} data-paused={s.paused}>
                          <th scope="row">
                            <span className="schedule-name">Schedule {s.id}</span>
                            <span className="schedule-scope">{scopeWords(s.scope)}</span>
                            {s.notify_success && <span className="muted"> · notifies every run</span>}
                          </th>
                          <td>{cadenceWords(s.cadence, s.zone)}</td>
                          <td data-testid="schedule-next">{nextRunWords(s.next_run, s.paused, now)}</td>
                          <td data-testid="schedule-last">
                            {s.last === null ? (
                              <span className="muted">Not run yet</span>
                            ) : (
                              <LastFiring last={s.last} now={now} onOpenRun={onOpenRun} />
                            )}
                          </td>
                          <td className="schedule-actions">
                            <button
                              type="button"
                              disabled={action.busy}
                              onClick={() => {
                                const pause = !s.paused;
                                action.run(
                                  pauseSchedule(s.id, pause),
                                  `Schedule ${String(s.id)} was not ${pause ? "paused" : "resumed"}`,
                                  done(
                                    pause
                                      ? `Schedule ${String(s.id)} is paused.`
                                      : `Schedule ${String(s.id)} fires again from now on.`,
                                  ),
                                );
                              }}
                            >
                              {s.paused ? "Resume" : "Pause"} <span className="sr-only">{name}</span>
                            </button>
                            <RemoveButton
                              name={name}
                              disabled={action.busy}
                              onClick={() => {
                                setRemoving(s);
                              }}
                            />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
        <p className="status-line" role="status" aria-live="polite">
          {status}
        </p>
        {action.error !== null && <ErrorMessage error={action.error.error} title={action.error.title} />}
      </section>
      <AddScheduleForm
        onAdded={(added) => {
          setStatus(`Schedule ${String(added.id)} added.`);
          reload();
        }}
      />
      {removing !== null && (
        <ConfirmDialog
          title={`Remove schedule ${String(removing.id)}?`}
          confirmLabel="Remove schedule"
          onConfirm={() => {
            const id = removing.id;
            setRemoving(null);
            action.run(removeSchedule(id), `Schedule ${String(id)} was not removed`, done(`Schedule ${String(id)} removed.`));
          }}
          onCancel={() => {
            setRemoving(null);
          }}
        >
          <p>
            {scopeWords(removing.scope)}, {cadenceWords(removing.cadence, removing.zone).toLowerCase()}: it won't run
            again. The runs it started stay in History.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** How a schedule's last firing came out, when, and its run as a link to History. */
export function LastFiring({
  last,
  now,
  onOpenRun,
}: {
  last: LastFiringView;
  now: number;
  onOpenRun: (runId: number) => void;
}) {
  return (
    <span className={`schedule-outcome outcome-${last.outcome}`}>
      {lastWords(last)}
      {last.outcome === "failed" && last.detail !== null && (
        <>
          {" "}
          <code>{last.detail}</code>
        </>
      )}
      {last.run_id !== null && (
        <>
          {" · "}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              onOpenRun(last.run_id ?? 0);
            }}
          >
            run {last.run_id}
          </button>
        </>
      )}
      <span className="muted"> · {agoWords(last.ended_at, new Date(now).toISOString())}</span>
    </span>
  );
}
