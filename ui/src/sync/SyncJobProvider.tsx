// Holds the app's sync job above the screens and follows it by the app's `sync-job` event,
// whoever started it: a page that (re)loaded while the job went on asks once what runs, then
// hears its progress and its end like the page that started it would.

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import type { SyncJobEvent } from "../bindings/SyncJobEvent";
import type { SyncJobStatus } from "../bindings/SyncJobStatus";
import { toCommandError } from "../shared/ipc";
import { onSyncJob, runDetail, syncJobStatus } from "./ipc";
import {
  EMPTY_DRAFT,
  IDLE,
  isBusy,
  JobContext,
  runOrigin,
  type JobState,
  type SharedJob,
  type SyncDraft,
} from "./jobState";

/** The state a job this page did not start is shown in. */
function attached(status: SyncJobStatus): JobState {
  const base = { kind: status.kind, progress: status.progress, cancelling: status.cancelling };
  return status.step === "preview"
    ? { step: "previewing", ...base, detached: true }
    : { step: "running", ...base, summary: null, detached: true };
}

/**
 * The job with `status`'s progress, when it is the job the page follows. A job whose command
 * answered already (its last progress can arrive after the answer) or another kind's is left.
 */
function followed(job: SharedJob, status: SyncJobStatus): SharedJob {
  const { state } = job;
  if (state.step !== "previewing" && state.step !== "running") return job;
  if ((state.step === "previewing") !== (status.step === "preview") || state.kind !== status.kind) return job;
  const progress = status.progress ?? state.progress;
  return { ...job, state: { ...state, progress, cancelling: state.cancelling || status.cancelling } };
}

function isDetached(state: JobState): boolean {
  return (state.step === "previewing" || state.step === "running") && state.detached;
}

const ENDED_AFTER_RELOAD = "The job that was running when the page reloaded has ended; History has what it did.";

/** Holds the app's sync job for every screen; asks on load whether the app runs one already. */
export function SyncJobProvider({ children }: { children: ReactNode }) {
  const [job, setJob] = useState<SharedJob>(IDLE);
  const [draft, setDraft] = useState<SyncDraft>(EMPTY_DRAFT);
  const update = useCallback((change: (job: SharedJob) => SharedJob) => {
    setJob(change);
  }, []);

  // An ended job is read as the page shows it when the event arrives, not as it was at first.
  const latest = useRef(job);
  useEffect(() => {
    latest.current = job;
  }, [job]);

  useEffect(() => {
    let current = true;
    let unlisten: (() => void) | undefined;
    // An end heard while asking what runs may be the end of the job the answer names: ask again.
    let asking = false;
    let endedWhileAsking = false;

    const ask = () => {
      asking = true;
      endedWhileAsking = false;
      syncJobStatus().then(
        (status) => {
          asking = false;
          if (!current) return;
          if (endedWhileAsking) {
            ask();
            return;
          }
          if (status === null) return;
          // A resume belongs to its run on History; anything else to the Sync screen.
          const origin = status.step === "resume" && status.run_id !== null ? runOrigin(status.run_id) : "sync";
          setJob((j) => (isBusy(j.state) ? j : { ...IDLE, origin, state: attached(status) }));
        },
        () => {
          asking = false;
          // The workspace failed: the screens say so when used.
        },
      );
    };

    // A job this page started ends with its command's answer; only one it attached to ends here.
    const ended = (runId: number | null) => {
      const state = latest.current.state;
      if (!isDetached(state)) return;
      const stillDetached = (change: (j: SharedJob) => SharedJob) => {
        setJob((j) => (isDetached(j.state) ? change(j) : j));
      };
      if (state.step === "previewing" || runId === null) {
        stillDetached((j) => ({ ...j, state: { step: "idle" }, note: ENDED_AFTER_RELOAD }));
        return;
      }
      runDetail(runId).then(
        (detail) => {
          if (!current) return;
          // A live run asked for may have been held instead: its preview, waiting for approval.
          const { run, hold } = detail;
          const ended: JobState =
            run.mode === "preview" && hold?.state === "held"
              ? { step: "held", kind: run.kind, hold, summary: null }
              : { step: "finished", run, summary: null };
          stillDetached((j) => ({ ...j, state: ended }));
        },
        (e: unknown) => {
          if (!current) return;
          const title = `Run ${String(runId)} ended; its result could not be read`;
          stillDetached((j) => ({ ...j, state: { step: "idle" }, error: { error: toCommandError(e), title } }));
        },
      );
    };

    const heard = (event: SyncJobEvent) => {
      if (!current) return;
      if (event.type === "progress") {
        setJob((j) => followed(j, event.job));
        return;
      }
      if (asking) endedWhileAsking = true;
      ended(event.run_id);
    };

    // Listening first, then asking: no step of a running job falls between the two.
    onSyncJob(heard).then(
      (stop) => {
        if (!current) {
          stop();
          return;
        }
        unlisten = stop;
        ask();
      },
      () => {
        // Outside the app there is no job to follow; the screens say so when used.
      },
    );
    return () => {
      current = false;
      unlisten?.();
    };
  }, []);

  const store = useMemo(() => ({ job, update, draft, setDraft }), [job, update, draft]);
  return <JobContext.Provider value={store}>{children}</JobContext.Provider>;
}
