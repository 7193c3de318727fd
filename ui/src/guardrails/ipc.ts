// The Guardrails screen's commands and held runs' (src-tauri/src/commands/guardrails.rs).

import type { Guardrails } from "../bindings/Guardrails";
import type { Run } from "../bindings/Run";
import type { RunHold } from "../bindings/RunHold";
import { call } from "../shared/ipc";

/** The active portal's guardrails (a `null` limit: none). */
export function guardrails(): Promise<Guardrails> {
  return call("guardrails");
}

/** Saves the active portal's guardrails, checked whole; resolves to them as saved. */
export function setGuardrails(limits: Guardrails): Promise<Guardrails> {
  return call("set_guardrails", { limits });
}

/** The active portal's runs a guardrail held, waiting for approval, newest first. */
export function heldRuns(): Promise<RunHold[]> {
  return call("held_runs");
}

/**
 * Approves held run `runId` once: planned again and run as the app's job (its progress comes
 * as a run's does); resolves to the live run.
 */
export function approveHeldRun(runId: number): Promise<Run> {
  return call("approve_held_run", { runId });
}

/** Refuses held run `runId`: it never runs. */
export function refuseHeldRun(runId: number): Promise<RunHold> {
  return call("refuse_held_run", { runId });
}
