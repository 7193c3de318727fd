// Runs, rows and previews for the Sync and History screens' tests.

import type { CompanyCounts } from "../bindings/CompanyCounts";
import type { CompanySummary } from "../bindings/CompanySummary";
import type { LiveOutcome } from "../bindings/LiveOutcome";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import type { Run } from "../bindings/Run";
import type { RunAssociationRow } from "../bindings/RunAssociationRow";
import type { RunCompanyRow } from "../bindings/RunCompanyRow";
import type { RunCounts } from "../bindings/RunCounts";
import type { RunHold } from "../bindings/RunHold";
import type { RunRow } from "../bindings/RunRow";
import type { SyncJobEvent } from "../bindings/SyncJobEvent";
import type { SyncJobStatus } from "../bindings/SyncJobStatus";
import type { SyncProgress } from "../bindings/SyncProgress";

export function counts(overrides: Partial<RunCounts> = {}): RunCounts {
  return {
    update: 0,
    create: 0,
    skip: 0,
    invalid: 0,
    archive: 0,
    updated: 0,
    created: 0,
    archived: 0,
    failed: 0,
    pending: 0,
    ...overrides,
  };
}

export function run(overrides: Partial<Run> = {}): Run {
  return {
    id: 12,
    kind: "push",
    mode: "live",
    status: "completed",
    portal_id: 4_412_345,
    settings: { rules: { update: true, create: true }, mappings: [], emails: [] },
    estimate: { apiCalls: 4, seconds: 2 },
    api_calls: 4,
    started_at: "2026-11-20T10:00:00.000Z",
    ended_at: "2026-11-20T10:00:03.500Z",
    stop_reason: null,
    counts: counts(),
    base_url: "https://api.hubapi.com",
    stopped_by: null,
    schedule_id: null,
    hold: null,
    ...overrides,
  };
}

/** A row as a page of rows has it; `reasons` holds the words of `reason_codes` as the core gives them. */
export function item(overrides: Partial<RunRow> = {}): RunRow {
  return {
    seq: 0,
    lead_id: 1,
    email: "ada@example.test",
    contact_id: "501",
    action: "update",
    reasons: [],
    reason_codes: [],
    changes: [],
    notes: [],
    outcome: "previewed",
    error: null,
    step: 0,
    record: {},
    related: null,
    ...overrides,
  };
}

export function summary(overrides: Partial<PreviewSummary> = {}): PreviewSummary {
  return {
    run_id: 7,
    kind: "push",
    undo_of: null,
    portal_id: 4_412_345,
    portal_name: "acme.hubspot.com",
    counts: counts({ update: 1200, create: 30, skip: 5, invalid: 2 }),
    details: [],
    skipped_parts: [],
    api_calls: 26,
    seconds: 150,
    writes: 1230,
    crossed: [],
    ...overrides,
  };
}

/** A run a guardrail held (run 7, the preview `summary` records), still waiting for a decision. */
export function hold(overrides: Partial<RunHold> = {}): RunHold {
  return {
    run_id: 7,
    crossed: [{ guardrail: "creates", planned: 1204, limit: 500 }],
    request: { kind: "push", emails: [], changed_only: false },
    state: "held",
    held_at: "2026-11-20T10:00:04.000Z",
    decided_at: null,
    approved_run_id: null,
    ...overrides,
  };
}

/** `sync_run`'s answer for a run that ran. */
export function ran(ranRun: Run = run()): LiveOutcome {
  return { outcome: "ran", run: ranRun };
}

/** `sync_run`'s answer for a run a guardrail held. */
export function held(heldRun: RunHold = hold()): LiveOutcome {
  return { outcome: "held", hold: heldRun };
}

export function progress(overrides: Partial<SyncProgress> = {}): SyncProgress {
  return { phase: "writing", done: 0, total: 1230, run_id: null, counts: null, elapsed_ms: 0, ...overrides };
}

/** The running job as `sync_job_status` and the `sync-job` event report it. */
export function jobStatus(overrides: Partial<SyncJobStatus> = {}): SyncJobStatus {
  return {
    step: "preview",
    kind: "push",
    run_id: null,
    started_at: "2026-11-24T12:00:00+00:00",
    elapsed_ms: 0,
    progress: null,
    cancelling: false,
    ...overrides,
  };
}

/**
 * The app's `sync-job` event for a test: mock `onSyncJob` with `listen`, then `send` what the
 * app would emit.
 */
export function syncJobEvents() {
  const handlers = new Set<(event: SyncJobEvent) => void>();
  const send = (event: SyncJobEvent) => {
    for (const handler of handlers) handler(event);
  };
  return {
    listen: (handler: (event: SyncJobEvent) => void): Promise<() => void> => {
      handlers.add(handler);
      return Promise.resolve(() => {
        handlers.delete(handler);
      });
    },
    send,
    /** Progress of the job `status` describes. */
    progress: (status: Partial<SyncJobStatus>) => {
      send({ type: "progress", job: jobStatus(status) });
    },
  };
}

/** A push's company row as a page of them has it; `reasons` holds the words of `reason_codes`. */
export function companyRow(overrides: Partial<RunCompanyRow> = {}): RunCompanyRow {
  return {
    seq: 0,
    domain: "acme.test",
    company_id: null,
    name: "Acme",
    action: "create",
    reasons: [],
    reason_codes: [],
    changes: [],
    notes: [],
    outcome: "previewed",
    error: null,
    ...overrides,
  };
}

/** A push's association row as a page of them has it; `reason` holds the words of `reason_code`. */
export function associationRow(overrides: Partial<RunAssociationRow> = {}): RunAssociationRow {
  return {
    seq: 0,
    lead_id: 1,
    email: "ada@acme.test",
    domain: "acme.test",
    source: "email",
    contact_id: "501",
    company_id: null,
    previous_primary: null,
    previously_associated: null,
    action: "associate",
    reason: null,
    reason_code: null,
    outcome: "previewed",
    error: null,
    ...overrides,
  };
}

/** A push's company summary: its rows counted, by planned action and outcome. */
export function companySummary(overrides: Partial<CompanyCounts> = {}): CompanySummary {
  return {
    counts: {
      update: 0,
      create: 0,
      unchanged: 0,
      skip: 0,
      invalid: 0,
      updated: 0,
      created: 0,
      failed: 0,
      pending: 0,
      associate: 0,
      already: 0,
      no_association: 0,
      associated: 0,
      association_failed: 0,
      association_pending: 0,
      archive: 0,
      archived: 0,
      unassociate: 0,
      unassociated: 0,
      ...overrides,
    },
    skipped: [],
  };
}
