import { useId, useMemo, useState, type SubmitEvent } from "react";

import type { CadenceSpec } from "../bindings/CadenceSpec";
import type { ScheduleScope } from "../bindings/ScheduleScope";
import type { ScheduleView } from "../bindings/ScheduleView";
import { ErrorMessage } from "../shared/ErrorMessage";
import { useAction } from "../shared/useAction";
import { addSchedule } from "./ipc";
import { localZone, SCOPES, timeZones } from "./words";

type CadenceKind = CadenceSpec["kind"];

const CADENCES: readonly { kind: CadenceKind; label: string }[] = [
  { kind: "every", label: "Every few minutes or hours" },
  { kind: "daily", label: "Every day at a time" },
  { kind: "weekdays", label: "Weekdays (Monday to Friday) at a time" },
];

/** The cadence the form describes, or why it can't be sent yet (the core checks the rest). */
function cadenceOf(kind: CadenceKind, every: string, unit: "minutes" | "hours", at: string): CadenceSpec | string {
  if (kind !== "every") return at === "" ? "Pick a time of day." : { kind, at };
  if (!/^\d+$/.test(every.trim()) || Number(every) < 1) return "Write a whole number, 1 or more.";
  return { kind, minutes: Number(every) * (unit === "hours" ? 60 : 1) };
}

/** "Add schedule": what it runs, when (in which zone), and whether a success is notified too. */
export function AddScheduleForm({ onAdded }: { onAdded: (added: ScheduleView) => void }) {
  const ids = useId();
  const [scope, setScope] = useState<ScheduleScope>("changed-leads");
  const [kind, setKind] = useState<CadenceKind>("every");
  const [every, setEvery] = useState("1");
  const [unit, setUnit] = useState<"minutes" | "hours">("hours");
  const [at, setAt] = useState("07:00");
  const own = useMemo(() => localZone(), []);
  const zones = useMemo(() => timeZones(own), [own]);
  const [zone, setZone] = useState(own);
  const [notifySuccess, setNotifySuccess] = useState(false);
  const action = useAction();
  const cadence = cadenceOf(kind, every, unit, at);

  function onSubmit(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (typeof cadence === "string") return;
    action.run(
      addSchedule({ scope, cadence, zone, notify_success: notifySuccess }),
      "The schedule was not added",
      onAdded,
    );
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Add a schedule</h2>
      <form onSubmit={onSubmit} aria-label="Add a schedule" noValidate>
        <fieldset className="rules" disabled={action.busy}>
          <legend>What it runs</legend>
          {SCOPES.map((s) => (
            <label key={s.scope} className="field-check">
              <input
                type="radio"
                name={`${ids}-scope`}
                value={s.scope}
                checked={scope === s.scope}
                onChange={() => {
                  setScope(s.scope);
                }}
              />
              {s.label}
            </label>
          ))}
        </fieldset>
        <fieldset className="rules" disabled={action.busy}>
          <legend>When</legend>
          {CADENCES.map((c) => (
            <label key={c.kind} className="field-check">
              <input
                type="radio"
                name={`${ids}-cadence`}
                value={c.kind}
                checked={kind === c.kind}
                onChange={() => {
                  setKind(c.kind);
                }}
              />
              {c.label}
            </label>
          ))}
          {kind === "every" ? (
            <div className="field-row">
              <div className="field field-narrow">
                <label htmlFor={`${ids}-every`}>Every</label>
                <input
                  id={`${ids}-every`}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  step={1}
                  value={every}
                  onChange={(e) => {
                    setEvery(e.currentTarget.value);
                  }}
                />
              </div>
              <div className="field field-narrow">
                <label htmlFor={`${ids}-unit`}>Unit</label>
                <select
                  id={`${ids}-unit`}
                  value={unit}
                  onChange={(e) => {
                    setUnit(e.currentTarget.value === "minutes" ? "minutes" : "hours");
                  }}
                >
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                </select>
              </div>
            </div>
          ) : (
            <div className="field-row">
              <div className="field field-narrow">
                <label htmlFor={`${ids}-at`}>At</label>
                <input
                  id={`${ids}-at`}
                  type="time"
                  value={at}
                  onChange={(e) => {
                    setAt(e.currentTarget.value);
                  }}
                />
              </div>
              <div className="field">
                <label htmlFor={`${ids}-zone`}>Time zone</label>
                <select
                  id={`${ids}-zone`}
                  value={zone}
                  onChange={(e) => {
                    setZone(e.currentTarget.value);
                  }}
                >
                  {zones.map((z) => (
                    <option key={z} value={z}>
                      {z === own ? `${z} (this computer's)` : z}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          )}
          {typeof cadence === "string" && (
            <p className="field-error" data-testid="schedule-cadence-problem">
              {cadence}
            </p>
          )}
        </fieldset>
        <fieldset className="rules" disabled={action.busy}>
          <legend className="sr-only">Notifications</legend>
          <label className="field-check">
            <input
              type="checkbox"
              checked={notifySuccess}
              aria-describedby={`${ids}-notify-hint`}
              onChange={(e) => {
                setNotifySuccess(e.currentTarget.checked);
              }}
            />
            Notify me of successful runs too
          </label>
          <p className="field-hint" id={`${ids}-notify-hint`}>
            A run that fails, stops or is held by a guardrail always notifies you.
          </p>
        </fieldset>
        <div className="actions">
          <button type="submit" className="button-primary" disabled={action.busy || typeof cadence === "string"}>
            {action.busy ? "Adding…" : "Add schedule"}
          </button>
        </div>
      </form>
      {action.error !== null && <ErrorMessage error={action.error.error} title={action.error.title} />}
    </section>
  );
}
