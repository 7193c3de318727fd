// Holds the app's sync job above the screens; a page that reloaded while the app's job went on
// asks what runs and follows it by polling, since its progress channel can't be reattached.

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import type { SyncJobStatus } from "../bindings/SyncJobStatus";
import { toCommandError } from "../shared/ipc";
import { runDetail, syncJobStatus } from "./ipc";
import {
  EMPTY_DRAFT,
  IDLE,
  isBusy,
  JobContext,
  POLL_MS,
  runOrigin,
  type JobState,
  type SharedJob,
  type SyncDraft,
} from "./jobState";

/** The state a job the page has no channel to is shown in. */
function attached(status: SyncJobStatus, cancelling: boolean): JobState {
  const base = { kind: status.kind, progress: status.progress, cancelling: cancelling || status.cancelling };
  return status.step === "preview"
    ? { step: "previewing", ...base, detached: true }
    : { step: "running", ...base, summary: null, detached: true };
}

/** Holds the app's sync job for every screen; asks on load whether the app runs one already. */
export function SyncJobProvider({ children }: { children: ReactNode }) {
  const [job, setJob] = useState<SharedJob>(IDLE);
  const [draft, setDraft] = useState<SyncDraft>(EMPTY_DRAFT);
  const update = useCallback((change: (job: SharedJob) => SharedJob) => {
    setJob(change);
  }, []);

  useEffect(() => {
    let current = true;
    syncJobStatus().then(
      (status) => {
        if (!current || status === null) return;
        // A resume belongs to its run on History; anything else to the Sync screen.
        const origin = status.step === "resume" && status.run_id !== null ? runOrigin(status.run_id) : "sync";
        setJob((j) => (isBusy(j.state) ? j : { ...IDLE, origin, state: attached(status, false) }));
      },
      () => {
        // Outside the app, or the workspace failed: the screens say so when used.
      },
    );
    return () => {
      current = false;
    };
  }, []);

  // The poll reads the job as it is now, not as it was when the poll began.
  const latest = useRef(job);
  useEffect(() => {
    latest.current = job;
  }, [job]);

  const detached = (job.state.step === "previewing" || job.state.step === "running") && job.state.detached;
  useEffect(() => {
    if (!detached) return;
    let current = true;
    const poll = () => {
      syncJobStatus().then(
        (status) => {
          if (!current) return;
          if (status !== null) {
            setJob((j) => (isBusy(j.state) ? { ...j, state: attached(status, cancellingOf(j.state)) } : j));
            return;
          }
          const runId = runIdOf(latest.current.state);
          if (runId === null) {
            setJob((j) => ({
              ...j,
              state: { step: "idle" },
              note: "The job that was running when the page reloaded has ended; History has what it did.",
            }));
            return;
          }
          runDetail(runId).then(
            (detail) => {
              if (current) setJob((j) => ({ ...j, state: { step: "finished", run: detail.run, summary: null } }));
            },
            (e: unknown) => {
              if (current) {
                const title = `Run ${String(runId)} ended; its result could not be read`;
                setJob((j) => ({ ...j, state: { step: "idle" }, error: { error: toCommandError(e), title } }));
              }
            },
          );
        },
        () => {
          // A missed poll: the next one asks again.
        },
      );
    };
    const timer = setInterval(poll, POLL_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [detached]);

  const store = useMemo(() => ({ job, update, draft, setDraft }), [job, update, draft]);
  return <JobContext.Provider value={store}>{children}</JobContext.Provider>;
}

function cancellingOf(state: JobState): boolean {
  return (state.step === "previewing" || state.step === "running") && state.cancelling;
}

function runIdOf(state: JobState): number | null {
  return state.step === "previewing" || state.step === "running" ? (state.progress?.run_id ?? null) : null;
}
