// Written by hand to the contract of issue 17 until ts-rs generates this file from
// `hubsync_api::sync::SyncJobEvent`.
import type { RunKind } from "./RunKind";
import type { SyncJobStatus } from "./SyncJobStatus";

/**
 * What the page hears of the app's sync job on the `sync-job` event: its progress while it
 * runs, then that it ended (after the command that ran it answered).
 */
export type SyncJobEvent = { "type": "progress", job: SyncJobStatus } | { "type": "ended", kind: RunKind, run_id: number | null };
