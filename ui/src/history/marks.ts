// What marks a run in History besides its status: a guardrail's hold and what became of it, the
// schedule that started it, the guardrail it stopped itself at.

import type { Run } from "../bindings/Run";
import { guardrailName, holdLabel } from "../guardrails/words";

export interface RunMark {
  label: string;
  /** "warning" wants the admin (a run held, or stopped by a guardrail); "plain" informs. */
  tone: "warning" | "plain";
}

export function runMarks(run: Run): RunMark[] {
  const marks: RunMark[] = [];
  if (run.hold !== null) marks.push({ label: holdLabel(run.hold), tone: run.hold === "held" ? "warning" : "plain" });
  if (run.stopped_by !== null) marks.push({ label: `Stopped: ${guardrailName(run.stopped_by)}`, tone: "warning" });
  if (run.schedule_id !== null) marks.push({ label: `Schedule ${String(run.schedule_id)}`, tone: "plain" });
  return marks;
}
