import { useId, useState, type SubmitEvent } from "react";

import type { Guardrails } from "../bindings/Guardrails";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted } from "../shared/format";
import { useAction } from "../shared/useAction";
import { useLoadable } from "../shared/useLoadable";
import { guardrails, setGuardrails } from "./ipc";
import { GUARDRAILS, type GuardrailEntry } from "./words";
import "./guardrails.css";

/** One limit as the form holds it: on or off, and its figure as typed. */
interface Limit {
  on: boolean;
  value: string;
}

type Draft = Record<keyof Guardrails, Limit>;

function draftOf(saved: Guardrails): Draft {
  const limit = (value: number | null): Limit => ({ on: value !== null, value: value === null ? "" : String(value) });
  return {
    max_creates: limit(saved.max_creates),
    max_overwrites: limit(saved.max_overwrites),
    max_overwrite_percent: limit(saved.max_overwrite_percent),
    max_archives: limit(saved.max_archives),
    max_failed_percent: limit(saved.max_failed_percent),
  };
}

/**
 * Why a typed figure can't be sent, or null. A count is a whole number; a share any number (the
 * core says when it is outside 0 to 100).
 */
function problemOf(entry: GuardrailEntry, limit: Limit): string | null {
  if (!limit.on) return null;
  const text = limit.value.trim();
  if (entry.percent) return text !== "" && Number.isFinite(Number(text)) ? null : "Write a percentage, such as 20.";
  return /^\d+$/.test(text) ? null : "Write a whole number of records, such as 500.";
}

function limitsOf(draft: Draft): Guardrails {
  const figure = (limit: Limit) => (limit.on ? Number(limit.value.trim()) : null);
  return {
    max_creates: figure(draft.max_creates),
    max_overwrites: figure(draft.max_overwrites),
    max_overwrite_percent: figure(draft.max_overwrite_percent),
    max_archives: figure(draft.max_archives),
    max_failed_percent: figure(draft.max_failed_percent),
  };
}

/**
 * Guardrails: the active portal's limits on every live run, whoever starts it (this app, the
 * command line, a schedule). A run whose plan crosses one is held, nothing written, until it is
 * approved once or refused; the failed share stops a run as it writes.
 */
export function GuardrailsScreen() {
  const [saved, updateSaved] = useLoadable(guardrails);
  // The admin's changes; null while they have made none, so a change from elsewhere shows.
  const [draft, setDraft] = useState<Draft | null>(null);
  const [status, setStatus] = useState("");
  const action = useAction(() => {
    setStatus("");
  });
  const ids = useId();

  const shown = draft ?? (saved.status === "ready" ? draftOf(saved.value) : null);
  const problems = shown === null ? [] : GUARDRAILS.map((entry) => problemOf(entry, shown[entry.key]));
  const sendable = problems.every((p) => p === null);

  function change(key: keyof Guardrails, limit: Partial<Limit>) {
    if (shown === null) return;
    setDraft({ ...shown, [key]: { ...shown[key], ...limit } });
    setStatus("");
  }

  function onSubmit(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (shown === null || !sendable) return;
    action.run(setGuardrails(limitsOf(shown)), "The guardrails were not saved", (value) => {
      updateSaved(() => value);
      setDraft(null);
      const on = GUARDRAILS.filter((entry) => value[entry.key] !== null).length;
      setStatus(on === 0 ? "Saved: no limits, every run goes ahead." : `Saved: ${counted(on, "limit")} on.`);
    });
  }

  return (
    <div className="screen">
      <section className="card" aria-labelledby={`${ids}-title`}>
        <h2 id={`${ids}-title`}>Guardrails</h2>
        <p className="muted">
          Limits on every live run to the active portal, whoever starts it: this app, the command line or a
          schedule. A run whose plan would cross one is held with nothing written, and waits in History for you to
          approve it once or refuse it. Off: no limit.
        </p>
        {saved.status === "loading" && <p aria-busy="true">Loading the guardrails…</p>}
        {saved.status === "failed" && <ErrorMessage error={saved.error} title="The guardrails could not be read" />}
        {shown !== null && (
          // The figures are checked by the core (a share from 0 to 100), whose words say why.
          <form onSubmit={onSubmit} aria-label="Guardrails" noValidate>
            <fieldset className="rules" disabled={action.busy}>
              <legend className="sr-only">Limits</legend>
              {GUARDRAILS.map((entry, index) => {
                const limit = shown[entry.key];
                const problem = problems[index] ?? null;
                const id = `${ids}-${entry.key}`;
                return (
                  <div key={entry.key} className="guardrail" data-testid={`guardrail-${entry.guardrail}`}>
                    <label className="field-check">
                      <input
                        type="checkbox"
                        checked={limit.on}
                        aria-describedby={`${id}-hint`}
                        onChange={(e) => {
                          change(entry.key, { on: e.currentTarget.checked });
                        }}
                      />
                      Limit {entry.label.toLowerCase()}
                    </label>
                    <p className="field-hint" id={`${id}-hint`}>
                      {entry.explain}
                    </p>
                    {limit.on && (
                      <div className="field guardrail-figure">
                        <label htmlFor={id}>
                          {entry.label} at most{entry.percent ? " (%)" : ""}
                        </label>
                        <input
                          id={id}
                          type="number"
                          inputMode={entry.percent ? "decimal" : "numeric"}
                          min={0}
                          max={entry.percent ? 100 : undefined}
                          step={entry.percent ? "any" : 1}
                          value={limit.value}
                          aria-invalid={problem !== null}
                          aria-describedby={problem === null ? undefined : `${id}-problem`}
                          onChange={(e) => {
                            change(entry.key, { value: e.currentTarget.value });
                          }}
                        />
                        {problem !== null && (
                          <p className="field-error" id={`${id}-problem`}>
                            {problem}
                          </p>
                        )}
                      </div>
                    )}
                  </div>
                );
              })}
              <div className="actions">
                <button type="submit" className="button-primary" disabled={!sendable}>
                  {action.busy ? "Saving…" : "Save guardrails"}
                </button>
                {draft !== null && (
                  <button
                    type="button"
                    onClick={() => {
                      setDraft(null);
                      setStatus("");
                    }}
                  >
                    Discard changes
                  </button>
                )}
              </div>
            </fieldset>
          </form>
        )}
        <p className="status-line" role="status" aria-live="polite">
          {status}
        </p>
        {action.error !== null && <ErrorMessage error={action.error.error} title={action.error.title} />}
      </section>
    </div>
  );
}
