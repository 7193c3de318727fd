// The app's one sync job, held above the screens (`SyncJobProvider`): its state, progress and
// result, so leaving the Sync or History screen loses none of them.

import { createContext, useContext } from "react";

import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { RunHold } from "../bindings/RunHold";
import type { RunKind } from "../bindings/RunKind";
import type { SyncProgress } from "../bindings/SyncProgress";
import type { CommandError } from "../shared/commandError";

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
 * Where a job stands: reading for a preview, showing it, running it, done, or held. `detached`: the
 * job was started before the page (re)loaded, so no command's answer ends it here: the
 * `sync-job` event's "ended" does.
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
  | { step: "finished"; run: Run; summary: PreviewSummary | null }
  /** A live run asked for, held by a guardrail (nothing written): to approve once or refuse. */
  | { step: "held"; kind: RunKind; hold: RunHold; summary: PreviewSummary | null };

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

/** The Sync form as the admin left it: kept with the job, so leaving the screen keeps it too. */
export interface SyncDraft {
  /** `null` until the admin picks: the form then follows the job's kind. */
  direction: "push" | "pull" | null;
  emails: string;
}

export const EMPTY_DRAFT: SyncDraft = { direction: null, emails: "" };

export interface JobStore {
  job: SharedJob;
  update: (change: (job: SharedJob) => SharedJob) => void;
  draft: SyncDraft;
  setDraft: (draft: SyncDraft) => void;
}

export const JobContext = createContext<JobStore | null>(null);

export function useJobStore(): JobStore {
  const store = useContext(JobContext);
  if (store === null) throw new Error("useJobStore needs a SyncJobProvider above it (App.tsx makes it)");
  return store;
}

export function isBusy(state: JobState): boolean {
  return state.step === "previewing" || state.step === "running";
}

