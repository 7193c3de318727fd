import { useState } from "react";

import type { LiveOutcome } from "../bindings/LiveOutcome";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { RunKind } from "../bindings/RunKind";
import { approveHeldRun } from "../guardrails/ipc";
import { CommandError } from "../shared/commandError";
import { toCommandError } from "../shared/ipc";
import { resumeRun, syncCancel, syncRun } from "./ipc";
import { IDLE, isBusy, useJobStore, type JobError, type JobOrigin, type JobState, type SharedJob } from "./jobState";
import { capitalized, jobWords } from "./words";

export type { JobError, JobState } from "./jobState";

export interface SyncJob {
  state: JobState;
  error: JobError | null;
  /** What happened to a job this screen did not start (cancelled from a refusal). */
  note: string | null;
  /** Starts a preview (a sync's, an undo's, a retry's); any earlier result is put away. */
  preview: (kind: RunKind, start: () => Promise<PreviewSummary>) => void;
  /** Opens or closes the confirmation of the previewed run. */
  confirm: (open: boolean) => void;
  /** Runs the previewed plan for real (after the confirmation). */
  run: () => void;
  resume: (runId: number, kind: RunKind) => void;
  /** Approves a held run once and runs it as a job (after its confirmation). */
  approve: (runId: number, kind: RunKind) => void;
  /** The held run shown was refused: the job is over. */
  refused: (runId: number) => void;
  /** Stops the running job: a preview between its reads, a run between batches. */
  cancel: () => void;
  reset: () => void;
}

/**
 * The app's preview → confirm → run → result job (or held → approve → result) as the screen
 * `origin` sees it. The job lives in the `SyncJobProvider`, which hears its progress, so it
 * outlives the screen: its progress and result are there when the screen opens again. Another
 * screen's job shows here as idle; starting one while it runs is refused with a way to cancel it.
 */
export function useSyncJob(origin: JobOrigin): SyncJob {
  const { job: shared, update } = useJobStore();
  // A refusal belongs to the screen that asked, not to the job that runs.
  const [refusal, setRefusal] = useState<JobError | null>(null);
  const [refusalNote, setRefusalNote] = useState<string | null>(null);
  const mine = shared.origin === origin;
  const state: JobState = mine ? shared.state : { step: "idle" };

  /** Changes the job, if it is still this screen's. */
  function updateMine(change: (job: SharedJob) => SharedJob) {
    update((j) => (j.origin === origin ? change(j) : j));
  }

  function fail(e: unknown, title: string) {
    updateMine((j) => ({ ...j, error: { error: toCommandError(e), title } }));
  }

  /** Takes the job for this screen, unless another screen's job runs. */
  function begin(next: JobState): boolean {
    setRefusal(null);
    setRefusalNote(null);
    if (!mine && isBusy(shared.state)) {
      const what = shared.state.step === "previewing" || shared.state.step === "running" ? shared.state : null;
      const words = what === null ? "A job" : capitalized(jobWords(what.kind, what.step === "previewing"));
      setRefusal({
        title: "Another job is running",
        error: new CommandError(
          "job_running",
          `${words} is still going: wait for it to finish, or cancel it, before starting another.`,
        ),
      });
      return false;
    }
    update(() => ({ ...IDLE, origin, state: next }));
    return true;
  }

  function preview(kind: RunKind, start: () => Promise<PreviewSummary>) {
    if (!begin({ step: "previewing", kind, progress: null, cancelling: false, detached: false })) return;
    start().then(
      (summary) => {
        updateMine((j) => ({ ...j, state: { step: "previewed", summary, confirming: false } }));
      },
      (e: unknown) => {
        const error = toCommandError(e);
        if (error.code === "cancelled") {
          updateMine((j) => ({ ...j, state: { step: "idle" }, note: "Preview cancelled: nothing was recorded." }));
          return;
        }
        updateMine((j) => ({ ...j, state: { step: "idle" } }));
        fail(error, "The preview could not be made");
      },
    );
  }

  /**
   * Runs a live job to where it ends (`start` says which state that is); a failure goes `back`.
   * The command is called only once the job is this screen's: a refused start sends nothing.
   */
  function follow(
    start: () => Promise<JobState>,
    kind: RunKind,
    summary: PreviewSummary | null,
    title: string,
    back: JobState,
  ) {
    if (!begin({ step: "running", kind, summary, progress: null, cancelling: false, detached: false })) return;
    start().then(
      (ended) => {
        updateMine((j) => ({ ...j, state: ended }));
      },
      (e: unknown) => {
        updateMine((j) => ({ ...j, state: back }));
        fail(e, title);
      },
    );
  }

  function run() {
    if (state.step !== "previewed") return;
    const { summary } = state;
    const kind = summary.kind;
    const ended = (outcome: LiveOutcome): JobState =>
      outcome.outcome === "ran"
        ? { step: "finished", run: outcome.run, summary }
        : { step: "held", kind, hold: outcome.hold, summary };
    // The preview stays on screen after a failure: if its plan is gone, the error says to preview again.
    const back: JobState = { step: "previewed", summary, confirming: false };
    follow(() => syncRun(summary.run_id).then(ended), kind, summary, "The run could not start", back);
  }

  function resume(runId: number, kind: RunKind) {
    const ended = (run: Run): JobState => ({ step: "finished", run, summary: null });
    follow(() => resumeRun(runId).then(ended), kind, null, "The run could not be resumed", { step: "idle" });
  }

  function approve(runId: number, kind: RunKind) {
    const summary = state.step === "held" ? state.summary : null;
    // Not approved (planned again, it did more, or it could not start): it stays held.
    const back: JobState = state.step === "held" ? state : { step: "idle" };
    const ended = (run: Run): JobState => ({ step: "finished", run, summary: null });
    follow(() => approveHeldRun(runId).then(ended), kind, summary, `Held run ${String(runId)} did not run`, back);
  }

  function refused(runId: number) {
    updateMine((j) => ({
      ...j,
      state: { step: "idle" },
      error: null,
      note: `Held run ${String(runId)} was refused: it will never run, and nothing was written.`,
    }));
  }

  function cancel() {
    const busy = isBusy(state);
    updateMine((j) =>
      j.state.step === "running" || j.state.step === "previewing"
        ? { ...j, state: { ...j.state, cancelling: true } }
        : j,
    );
    syncCancel().then(
      (wasRunning) => {
        // Asked from a refusal: the job stops between batches, then a new one can start.
        if (!busy) {
          setRefusal(null);
          updateMine((j) => ({ ...j, error: null }));
          setRefusalNote(
            wasRunning
              ? "The running job stops after the batches in flight; start again in a moment. A stopped run can be resumed from History."
              : "No job is running any more: start again.",
          );
        }
      },
      (e: unknown) => {
        if (busy) fail(e, "The job could not be cancelled");
        else setRefusal({ error: toCommandError(e), title: "The job could not be cancelled" });
      },
    );
  }

  function confirm(open: boolean) {
    updateMine((j) => (j.state.step === "previewed" ? { ...j, state: { ...j.state, confirming: open } } : j));
  }

  function reset() {
    setRefusal(null);
    updateMine(() => IDLE);
  }

  return {
    state,
    error: refusal ?? (mine ? shared.error : null),
    note: refusalNote ?? (mine ? shared.note : null),
    preview,
    confirm,
    run,
    resume,
    approve,
    refused,
    cancel,
    reset,
  };
}
