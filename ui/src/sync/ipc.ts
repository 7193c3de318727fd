// The Sync and History screens' commands (src-tauri/src/commands/sync.rs). A job's progress
// arrives on a channel made for each call.

import { Channel, isTauri } from "@tauri-apps/api/core";

import type { ExportedRun } from "../bindings/ExportedRun";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { RunDetail } from "../bindings/RunDetail";
import type { RunItemFilter } from "../bindings/RunItemFilter";
import type { RunItemPage } from "../bindings/RunItemPage";
import type { SyncDirection } from "../bindings/SyncDirection";
import type { SyncJobStatus } from "../bindings/SyncJobStatus";
import type { SyncProgress } from "../bindings/SyncProgress";
import { call } from "../shared/ipc";

export type OnProgress = (progress: SyncProgress) => void;

/** Calls a job's command with a channel for its progress. */
function withProgress<T>(command: string, args: Record<string, unknown>, onProgress: OnProgress): Promise<T> {
  // Outside the app there is no channel to make; `call` says so in words.
  if (!isTauri()) return call(command, args);
  const channel = new Channel<SyncProgress>();
  channel.onmessage = onProgress;
  return call(command, { ...args, onProgress: channel });
}

/** Reads HubSpot's side and plans a push (of these emails; none: every lead) or a pull. Writes nothing. */
export function syncPreview(kind: SyncDirection, emails: string[], onProgress: OnProgress): Promise<PreviewSummary> {
  return withProgress("sync_preview", { kind, emails }, onProgress);
}

export interface UndoChoices {
  /** Archive the contacts the run created (they are kept otherwise). */
  archiveCreated: boolean;
  /** Also restore rows HubSpot changed since, and undo a run undone already. */
  force: boolean;
}

/** What undoing a live run would put back, as a preview. */
export function undoPreview(runId: number, choices: UndoChoices, onProgress: OnProgress): Promise<PreviewSummary> {
  return withProgress("undo_preview", { runId, ...choices }, onProgress);
}

/** A push preview of the leads whose rows failed in push run `runId`. */
export function retryFailed(runId: number, onProgress: OnProgress): Promise<PreviewSummary> {
  return withProgress("retry_failed", { runId }, onProgress);
}

/** Runs a preview's plan for real; resolves when the run finishes or stops. */
export function syncRun(previewRunId: number, onProgress: OnProgress): Promise<Run> {
  return withProgress("sync_run", { previewRunId }, onProgress);
}

/** Stops the running job between batches; resolves to whether one was running. */
export function syncCancel(): Promise<boolean> {
  return call("sync_cancel");
}

/** Finishes a live run that stopped early. */
export function resumeRun(runId: number, onProgress: OnProgress): Promise<Run> {
  return withProgress("resume_run", { runId }, onProgress);
}

/** Every run, newest first. */
export function runsList(): Promise<Run[]> {
  return call("runs_list");
}

export function runDetail(runId: number): Promise<RunDetail> {
  return call("run_detail", { runId });
}

/** A page of a run's rows, filtered, with how many match in all. */
export function runItemsPage(
  runId: number,
  filter: RunItemFilter,
  offset: number,
  limit: number,
): Promise<RunItemPage> {
  return call("run_items_page", { runId, filter, offset, limit });
}

/** Writes the run's success and error files into the Downloads folder. */
export function exportRun(runId: number): Promise<ExportedRun> {
  return call("export_run", { runId });
}

/** Opens an export's folder in the file manager. */
export function openExportFolder(folder: string): Promise<void> {
  return call("open_export_folder", { folder });
}

/** What job the app runs now, if any, and how far it is (for a page with no channel to it). */
export function syncJobStatus(): Promise<SyncJobStatus | null> {
  return call("sync_job_status");
}
