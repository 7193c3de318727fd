// The app's one sync job, held above the screens: its state, progress stream and result live
// here, so leaving the Sync or History screen loses none of them, and a page that reloaded
// while the app's job went on asks what runs and follows it by polling.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { RunKind } from "../bindings/RunKind";
import type { SyncJobStatus } from "../bindings/SyncJobStatus";
import type { SyncProgress } from "../bindings/SyncProgress";
import { toCommandError } from "../ipc";
import type { CommandError } from "../portal";
import { runDetail, syncJobStatus } from "./ipc";

/** How often a job this page has no channel to is asked about. */
export const POLL_MS = 1000;

/** Which screen a job belongs to: "sync", or one run's detail on History (`runOrigin`). */
export type JobOrigin = string;

export function runOrigin(runId: number): JobOrigin {
  return `run-${String(runId)}`;
}

/** The run a History origin names, or null. */
export function originRun(origin: JobOrigin | null): number | null {
  if (origin === null || origin === "sync") return null;
  return Number(origin.slice("run-".length));
}

/**
 * Where a job stands: reading for a preview, showing it, running it, or done. `detached`: the
 * job was started before the page (re)loaded, so its progress comes from polling.
 */
export type JobState =
  | { step: "idle" }
  | { step: "previewing"; kind: RunKind; progress: SyncProgress | null; cancelling: boolean; detached: boolean }
  | { step: "previewed"; summary: PreviewSummary; confirming: boolean }
  | {
      step: "running";
      kind: RunKind;
      summary: PreviewSummary | null;
      progress: SyncProgress | null;
      cancelling: boolean;
      detached: boolean;
    }
  | { step: "finished"; run: Run; summary: PreviewSummary | null };

export interface JobError {
  error: CommandError;
  title: string;
}

export interface SharedJob {
  origin: JobOrigin | null;
  state: JobState;
  error: JobError | null;
  /** What happened to a job a screen did not start (cancelled from a refusal, ended after a reload). */
  note: string | null;
}

export const IDLE: SharedJob = { origin: null, state: { step: "idle" }, error: null, note: null };

export interface JobStore {
  job: SharedJob;
  update: (change: (job: SharedJob) => SharedJob) => void;
}

const JobContext = createContext<JobStore | null>(null);

export function useJobStore(): JobStore {
  const store = useContext(JobContext);
  if (store === null) throw new Error("useJobStore needs a SyncJobProvider above it (App.tsx makes it)");
  return store;
}

export function isBusy(state: JobState): boolean {
  return state.step === "previewing" || state.step === "running";
}

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

  const store = useMemo(() => ({ job, update }), [job, update]);
  return <JobContext.Provider value={store}>{children}</JobContext.Provider>;
}

function cancellingOf(state: JobState): boolean {
  return (state.step === "previewing" || state.step === "running") && state.cancelling;
}

function runIdOf(state: JobState): number | null {
  return state.step === "previewing" || state.step === "running" ? (state.progress?.run_id ?? null) : null;
}
