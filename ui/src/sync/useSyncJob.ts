import { useState } from "react";

import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { SyncProgress } from "../bindings/SyncProgress";
import { toCommandError } from "../ipc";
import type { CommandError } from "../portal";
import { resumeRun, syncCancel, syncRun, type OnProgress } from "./ipc";

/** Where a job stands: reading for a preview, showing it, running it, or done. */
export type JobState =
  | { step: "idle" }
  | { step: "previewing"; progress: SyncProgress | null }
  | { step: "previewed"; summary: PreviewSummary; confirming: boolean }
  | { step: "running"; summary: PreviewSummary | null; progress: SyncProgress | null; cancelling: boolean }
  | { step: "finished"; run: Run; summary: PreviewSummary | null };

export interface JobError {
  error: CommandError;
  title: string;
}

export interface SyncJob {
  state: JobState;
  error: JobError | null;
  /** What happened to a job this screen did not start (cancelled from a refusal). */
  note: string | null;
  /** Starts a preview (a sync's, an undo's, a retry's); any earlier result is put away. */
  preview: (start: (onProgress: OnProgress) => Promise<PreviewSummary>) => void;
  /** Opens or closes the confirmation of the previewed run. */
  confirm: (open: boolean) => void;
  /** Runs the previewed plan for real (after the confirmation). */
  run: () => void;
  resume: (runId: number) => void;
  cancel: () => void;
  reset: () => void;
}

/** A preview → confirm → run → result job, its progress streamed from the app. */
export function useSyncJob(): SyncJob {
  const [state, setState] = useState<JobState>({ step: "idle" });
  const [error, setError] = useState<JobError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  // An answer that arrives after the screen closed is dropped by React; the job goes on in the app.

  function fail(e: unknown, title: string) {
    setError({ error: toCommandError(e), title });
  }

  function preview(start: (onProgress: OnProgress) => Promise<PreviewSummary>) {
    setError(null);
    setNote(null);
    setState({ step: "previewing", progress: null });
    start((progress) => {
      setState((s) => (s.step === "previewing" ? { ...s, progress } : s));
    }).then(
      (summary) => {
        setState({ step: "previewed", summary, confirming: false });
      },
      (e: unknown) => {
        setState({ step: "idle" });
        fail(e, "The preview could not be made");
      },
    );
  }

  function onProgress(progress: SyncProgress) {
    setState((s) => (s.step === "running" ? { ...s, progress } : s));
  }

  function follow(job: Promise<Run>, summary: PreviewSummary | null, title: string) {
    setError(null);
    setNote(null);
    setState({ step: "running", summary, progress: null, cancelling: false });
    job.then(
      (run) => {
        setState({ step: "finished", run, summary });
      },
      (e: unknown) => {
        // The preview stays on screen: if its plan is gone, the error says to preview again.
        setState(summary === null ? { step: "idle" } : { step: "previewed", summary, confirming: false });
        fail(e, title);
      },
    );
  }

  function run() {
    if (state.step !== "previewed") return;
    follow(syncRun(state.summary.run_id, onProgress), state.summary, "The run could not start");
  }

  function resume(runId: number) {
    follow(resumeRun(runId, onProgress), null, "The run could not be resumed");
  }

  function cancel() {
    setState((s) => (s.step === "running" ? { ...s, cancelling: true } : s));
    syncCancel().then(
      (wasRunning) => {
        // Asked from a refusal: the job stops between batches, then a new one can start.
        if (state.step !== "running") {
          setError(null);
          setNote(
            wasRunning
              ? "The running job stops after the batches in flight; start again in a moment. A stopped run can be resumed from History."
              : "No job is running any more: start again.",
          );
        }
      },
      (e: unknown) => {
        fail(e, "The run could not be cancelled");
      },
    );
  }

  function confirm(open: boolean) {
    setState((s) => (s.step === "previewed" ? { ...s, confirming: open } : s));
  }

  function reset() {
    setError(null);
    setState({ step: "idle" });
  }

  return { state, error, note, preview, confirm, run, resume, cancel, reset };
}
