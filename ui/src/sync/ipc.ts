// The Sync and History screens' commands (src-tauri/src/commands/sync.rs). A job's progress
// comes by one route whoever started it: the app's `sync-job` event (`onSyncJob`).

import type { UnlistenFn } from "@tauri-apps/api/event";

import type { ExportedRun } from "../bindings/ExportedRun";
import type { LiveOutcome } from "../bindings/LiveOutcome";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { RunAssociationPage } from "../bindings/RunAssociationPage";
import type { RunCompanyPage } from "../bindings/RunCompanyPage";
import type { RunDetail } from "../bindings/RunDetail";
import type { RunItemFilter } from "../bindings/RunItemFilter";
import type { RunItemPage } from "../bindings/RunItemPage";
import type { SyncDirection } from "../bindings/SyncDirection";
import type { SyncJobEvent } from "../bindings/SyncJobEvent";
import type { SyncJobStatus } from "../bindings/SyncJobStatus";
import { call, listenTo } from "../shared/ipc";

/** The event the app's sync job reports on (`SYNC_JOB_EVENT` in src-tauri/src/commands/sync.rs). */
export const SYNC_JOB_EVENT = "sync-job";

/** Reads HubSpot's side and plans a push (of these emails; none: every lead) or a pull. Writes nothing. */
export function syncPreview(kind: SyncDirection, emails: string[]): Promise<PreviewSummary> {
  return call("sync_preview", { kind, emails });
}

export interface UndoChoices {
  /** Archive the contacts the run created (they are kept otherwise). */
  archiveCreated: boolean;
  /** Also restore rows HubSpot changed since, and undo a run undone already. */
  force: boolean;
}

/** What undoing a live run would put back, as a preview. */
export function undoPreview(runId: number, choices: UndoChoices): Promise<PreviewSummary> {
  return call("undo_preview", { runId, ...choices });
}

/** A push preview of the leads whose rows failed in push run `runId`. */
export function retryFailed(runId: number): Promise<PreviewSummary> {
  return call("retry_failed", { runId });
}

/**
 * Runs a preview's plan for real; resolves when the run finishes or stops, or at once when the
 * plan crosses the portal's guardrails: then it is held, nothing written.
 */
export function syncRun(previewRunId: number): Promise<LiveOutcome> {
  return call("sync_run", { previewRunId });
}

/** Stops the running job between batches; resolves to whether one was running. */
export function syncCancel(): Promise<boolean> {
  return call("sync_cancel");
}

/** Finishes a live run that stopped early. */
export function resumeRun(runId: number): Promise<Run> {
  return call("resume_run", { runId });
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

/** Up to `limit` of a push's company rows after row `afterSeq` (-1: from the first), in order. */
export function runCompaniesPage(runId: number, afterSeq: number, limit: number): Promise<RunCompanyPage> {
  return call("run_companies_page", { runId, afterSeq, limit });
}

/** Up to `limit` of a push's association rows after row `afterSeq` (-1: from the first), in order. */
export function runAssociationsPage(runId: number, afterSeq: number, limit: number): Promise<RunAssociationPage> {
  return call("run_associations_page", { runId, afterSeq, limit });
}

/** Writes the run's success and error files into the Downloads folder. */
export function exportRun(runId: number): Promise<ExportedRun> {
  return call("export_run", { runId });
}

/** Opens an export's folder in the file manager. */
export function openExportFolder(folder: string): Promise<void> {
  return call("open_export_folder", { folder });
}

/** What job the app runs now, if any, and how far it is (for a page that (re)loaded while it went on). */
export function syncJobStatus(): Promise<SyncJobStatus | null> {
  return call("sync_job_status");
}

/** Calls `handler` with each `sync-job` event; resolves to the function that stops it. */
export function onSyncJob(handler: (event: SyncJobEvent) => void): Promise<UnlistenFn> {
  return listenTo(SYNC_JOB_EVENT, handler);
}
