import { useId, useState } from "react";

import type { PullRules } from "../bindings/PullRules";
import type { RuleProblem } from "../bindings/RuleProblem";
import type { CommandError } from "../shared/commandError";
import { ErrorMessage } from "../shared/ErrorMessage";
import { toCommandError } from "../shared/ipc";
import { useLoadable } from "../shared/useLoadable";
import { ConditionRow } from "./ConditionRow";
import { type Draft, draftProblems, nextConditionId, sameRules, toDraft, toRules, typeLabel } from "./draft";
import { pullRuleProperties, pullRules, setPullRules } from "./ipc";

/** Pull rules: which HubSpot contacts a pull brings into the lead store (the active portal's). */
export function PullRulesScreen() {
  const id = useId();
  const [saved, updateSaved] = useLoadable(pullRules);
  // The draft and the saved rules it was made from: a new read of the rules replaces the draft
  // only while the admin has not changed it.
  const [draft, setDraft] = useState<Draft | null>(null);
  const [draftBase, setDraftBase] = useState<PullRules | null>(null);
  const [live] = useLoadable(pullRuleProperties, 0, { followsStore: false });
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState("");
  const [problems, setProblems] = useState<RuleProblem[]>([]);
  const [showLocal, setShowLocal] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);

  if (saved.status === "ready" && saved.value !== draftBase) {
    const untouched = draft === null || draftBase === null || sameRules(toRules(draft), draftBase);
    if (untouched && (draftBase === null || !sameRules(saved.value, draftBase))) setDraft(toDraft(saved.value));
    setDraftBase(saved.value);
  }

  const properties = live.status === "ready" && live.value.unavailable === null ? live.value.properties : null;
  const offline = live.status === "ready" ? live.value.unavailable : live.status === "failed" ? live.error.message : null;

  function edit(next: Draft) {
    setDraft(next);
    setStatus("");
    setProblems([]);
  }

  if (saved.status !== "ready" || draft === null) {
    return (
      <div className="screen">
        <section className="card" aria-labelledby={`${id}-title`}>
          <h2 id={`${id}-title`}>Pull rules</h2>
          {saved.status === "failed" ? (
            <ErrorMessage error={saved.error} title="The pull rules could not be read" />
          ) : (
            <p aria-busy="true">Loading the pull rules…</p>
          )}
        </section>
      </div>
    );
  }

  const rules = toRules(draft);
  const savedRules = saved.value;
  const unsaved = !sameRules(rules, savedRules);
  const local = draftProblems(draft, properties);
  const localCount = local.rows.size + local.whole.length;
  const rowProblem = (index: number) =>
    (showLocal ? local.rows.get(index) : undefined) ?? problems.find((p) => p.condition === index)?.message;
  const wholeProblems = [...(showLocal ? local.whole : []), ...problems.filter((p) => p.condition === null).map((p) => p.message)];

  function save() {
    if (draft === null) return;
    if (localCount > 0) {
      setShowLocal(true);
      setStatus("");
      return;
    }
    setShowLocal(false);
    setSaving(true);
    setError(null);
    setProblems([]);
    setStatus("");
    setPullRules(rules).then(
      (outcome) => {
        setSaving(false);
        if (outcome.saved) {
          updateSaved(() => outcome.rules);
          setStatus("The pull rules are saved.");
        } else {
          setProblems(outcome.problems);
        }
      },
      (e: unknown) => {
        setSaving(false);
        setError(toCommandError(e));
      },
    );
  }

  return (
    <div className="screen">
      <section className="card" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>
          Pull rules{" "}
          {unsaved && (
            <span className="badge badge-warning" data-testid="pull-rules-unsaved">
              Unsaved changes
            </span>
          )}
        </h2>
        <p className="muted">Which HubSpot contacts a pull brings into the lead store, for the active portal.</p>
        <div aria-live="polite">
          {offline !== null && (
            <div className="notice notice-warning" data-testid="pull-offline-notice">
              <p className="notice-title">HubSpot can’t be reached</p>
              <p>{offline}</p>
              <p>Conditions are checked against the portal’s properties, so they can be saved only while it answers.</p>
            </div>
          )}
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <fieldset className="rules" disabled={saving}>
            <legend>Contacts to pull</legend>
            <label className="field-check">
              <input
                type="radio"
                name={`${id}-mode`}
                data-testid="pull-mode-all"
                checked={draft.mode === "all"}
                onChange={() => {
                  edit({ ...draft, mode: "all" });
                }}
              />
              All contacts
            </label>
            <label className="field-check">
              <input
                type="radio"
                name={`${id}-mode`}
                data-testid="pull-mode-filter"
                checked={draft.mode === "filter"}
                onChange={() => {
                  const conditions =
                    draft.conditions.length === 0
                      ? [{ id: nextConditionId(draft), property: "", operator: "" as const, values: [] }]
                      : draft.conditions;
                  edit({ ...draft, mode: "filter", conditions });
                }}
              />
              Only contacts matching all of these conditions
            </label>
            {draft.mode === "filter" && (
              <>
                <datalist id={`${id}-properties`}>
                  {properties?.map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.label} ({typeLabel(p.type)})
                    </option>
                  ))}
                </datalist>
                <ol className="conditions" aria-label="Conditions">
                  {draft.conditions.map((c, index) => (
                    <ConditionRow
                      key={c.id}
                      index={index}
                      condition={c}
                      properties={properties}
                      listId={`${id}-properties`}
                      problem={rowProblem(index)}
                      disabled={saving}
                      onChange={(next) => {
                        edit({ ...draft, conditions: draft.conditions.map((x) => (x.id === c.id ? next : x)) });
                      }}
                      onRemove={() => {
                        edit({ ...draft, conditions: draft.conditions.filter((x) => x.id !== c.id) });
                      }}
                    />
                  ))}
                </ol>
                <div className="actions">
                  <button
                    type="button"
                    data-testid="pull-add-condition"
                    onClick={() => {
                      const added = { id: nextConditionId(draft), property: "", operator: "" as const, values: [] };
                      edit({ ...draft, conditions: [...draft.conditions, added] });
                    }}
                  >
                    Add condition
                  </button>
                </div>
              </>
            )}
          </fieldset>
          <fieldset className="rules" disabled={saving}>
            <legend>Also</legend>
            <label className="field-check">
              <input
                type="checkbox"
                data-testid="pull-new-only"
                checked={draft.newOnly}
                onChange={(e) => {
                  edit({ ...draft, newOnly: e.currentTarget.checked });
                }}
              />
              New contacts only
            </label>
            <p className="field-hint">Skip contacts whose email or HubSpot id the lead store already has.</p>
            {/* An empty date box shows a made-up date's mask: the box appears only once asked for. */}
            <label className="field-check">
              <input
                type="checkbox"
                data-testid="pull-modified-since-on"
                checked={draft.modifiedSince !== ""}
                onChange={(e) => {
                  edit({ ...draft, modifiedSince: e.currentTarget.checked ? startOfToday() : "" });
                }}
              />
              Only contacts modified since a date
            </label>
            {draft.modifiedSince !== "" && (
              <div className="field field-indented">
                <label htmlFor={`${id}-since`}>Modified since</label>
                <input
                  id={`${id}-since`}
                  type="datetime-local"
                  step={1}
                  required
                  data-testid="pull-modified-since"
                  value={draft.modifiedSince}
                  aria-describedby={`${id}-since-hint`}
                  onChange={(e) => {
                    edit({ ...draft, modifiedSince: e.currentTarget.value });
                  }}
                />
                <p id={`${id}-since-hint`} className="field-hint">
                  Contacts changed in HubSpot at or after this time, in your time zone.
                </p>
              </div>
            )}
            <label className="field-check">
              <input
                type="checkbox"
                data-testid="pull-since-last-pull"
                checked={draft.sinceLastPull}
                onChange={(e) => {
                  edit({ ...draft, sinceLastPull: e.currentTarget.checked });
                }}
              />
              Only contacts changed since the last pull
            </label>
            <p className="field-hint">Each pull starts where the last completed one began (the first reads every contact).</p>
          </fieldset>
          <div className="actions">
            <button type="submit" className="button-primary" data-testid="pull-rules-save" disabled={saving || !unsaved}>
              {saving ? "Saving…" : "Save"}
            </button>
            <button
              type="button"
              data-testid="pull-rules-discard"
              disabled={saving || !unsaved}
              onClick={() => {
                edit(toDraft(savedRules));
                setShowLocal(false);
              }}
            >
              Discard changes
            </button>
          </div>
        </form>
        <div aria-live="polite">
          <p className="status-line" role="status" data-testid="pull-rules-saved">
            {status}
          </p>
          {(problems.length > 0 || (showLocal && localCount > 0)) && (
            <div className="notice notice-error" data-testid="pull-rules-problems" role="alert">
              <p className="notice-title">The pull rules were not saved</p>
              {wholeProblems.map((p) => (
                <p key={p}>{p}</p>
              ))}
              {(showLocal ? local.rows.size : 0) + problems.filter((p) => p.condition !== null).length > 0 && (
                <p>Fix the conditions marked below their rows, then save again.</p>
              )}
            </div>
          )}
        </div>
        {error !== null && <ErrorMessage error={error} title="The pull rules were not saved" />}
      </section>
    </div>
  );
}

/** Midnight today, local time, as a date box holds it: where "modified since" starts when asked for. */
function startOfToday(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${String(now.getFullYear())}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T00:00:00`;
}
