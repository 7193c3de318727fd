import { useState } from "react";

import type { Field } from "../bindings/Field";
import type { FieldProblem } from "../bindings/FieldProblem";
import type { Lead } from "../bindings/Lead";
import { Dialog } from "../shared/Dialog";
import { ErrorMessage } from "../shared/ErrorMessage";
import { toCommandError, type CommandError } from "../shared/ipc";
import { addLead, updateLead, type LeadValues } from "./ipc";

function FieldInput({ field, value, onChange, describedBy }: { field: Field; value: string; onChange: (value: string) => void; describedBy: string | undefined }) {
  const id = `lead-field-${field.key}`;
  const common = {
    id,
    name: field.key,
    "aria-invalid": describedBy !== undefined ? true : undefined,
    "aria-describedby": describedBy,
  };
  switch (field.type) {
    case "boolean":
      return (
        <select {...common} value={value} onChange={(e) => { onChange(e.currentTarget.value); }}>
          <option value="">—</option>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </select>
      );
    case "single_choice":
      return (
        <select {...common} value={value} onChange={(e) => { onChange(e.currentTarget.value); }}>
          <option value="">—</option>
          {field.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    case "multiple_choice": {
      const picked = value.split(";").filter((v) => v !== "");
      return (
        <div className="choice-group" role="group" aria-labelledby={`${id}-label`} aria-describedby={describedBy}>
          {field.options.map((o) => (
            <label key={o} className="field-check">
              <input
                type="checkbox"
                checked={picked.includes(o)}
                onChange={(e) => {
                  const next = e.currentTarget.checked ? [...picked, o] : picked.filter((p) => p !== o);
                  onChange(field.options.filter((opt) => next.includes(opt)).join(";"));
                }}
              />
              {o}
            </label>
          ))}
        </div>
      );
    }
    case "date":
      return <input {...common} type="date" value={value} onChange={(e) => { onChange(e.currentTarget.value); }} />;
    case "number":
      return <input {...common} type="text" inputMode="decimal" value={value} onChange={(e) => { onChange(e.currentTarget.value); }} />;
    case "datetime":
      return (
        <input
          {...common}
          type="text"
          placeholder="2026-03-01T09:30:00Z"
          value={value}
          onChange={(e) => { onChange(e.currentTarget.value); }}
        />
      );
    case "text":
      return <input {...common} type="text" value={value} onChange={(e) => { onChange(e.currentTarget.value); }} />;
  }
}

/**
 * Add or edit a lead. Every field has an input for its type; the store checks the values and
 * each problem shows under its field, with nothing saved until all are fixed.
 */
export function LeadForm({ fields, lead, onSaved, onCancel }: { fields: Field[]; lead: Lead | null; onSaved: (lead: Lead) => void; onCancel: () => void }) {
  const [email, setEmail] = useState(lead?.email ?? "");
  const [values, setValues] = useState<LeadValues>(() => ({ ...(lead?.values ?? {}) }));
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [saving, setSaving] = useState(false);
  const editable = fields.filter((f) => f.key !== "email");

  function submit() {
    setSaving(true);
    setError(null);
    // Editing sends every field (an emptied one is cleared); adding sends the filled ones.
    const sent: LeadValues = {};
    for (const f of editable) {
      const v = values[f.key] ?? "";
      if (lead !== null || v !== "") sent[f.key] = v;
    }
    const saving = lead === null ? addLead(email, sent) : updateLead(lead.id, email, sent);
    saving.then(
      (saved) => {
        setSaving(false);
        if (saved.kind === "saved") onSaved(saved.lead);
        else setProblems(saved.problems);
      },
      (e: unknown) => {
        setSaving(false);
        setError(toCommandError(e));
      },
    );
  }

  const problemOf = (key: string) => problems.find((p) => p.field === key);
  const others = problems.filter((p) => p.field !== "email" && !editable.some((f) => f.key === p.field));
  const emailProblem = problemOf("email");

  return (
    <Dialog kind="form" title={lead === null ? "Add a lead" : `Edit ${lead.email}`} onClose={onCancel}>
      <form
        className="lead-form"
        data-testid="lead-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {problems.length > 0 && (
          <p className="field-error" role="alert">
            {problems.length === 1 ? "One value needs fixing" : `${String(problems.length)} values need fixing`}; nothing was saved.
          </p>
        )}
        <div className="field">
          <label htmlFor="lead-field-email">Email</label>
          <input
            id="lead-field-email"
            type="text"
            inputMode="email"
            autoComplete="off"
            value={email}
            aria-invalid={emailProblem ? true : undefined}
            aria-describedby={emailProblem ? "lead-error-email" : undefined}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
            }}
          />
          {emailProblem && (
            <p className="field-error" id="lead-error-email" data-testid="lead-error-email">
              {emailProblem.message}
            </p>
          )}
        </div>
        <div className="lead-form-grid">
          {editable.map((f) => {
            const problem = problemOf(f.key);
            const errorId = `lead-error-${f.key}`;
            return (
              <div className="field" key={f.key}>
                <label htmlFor={`lead-field-${f.key}`} id={`lead-field-${f.key}-label`}>
                  {f.label}
                </label>
                <FieldInput
                  field={f}
                  value={values[f.key] ?? ""}
                  describedBy={problem ? errorId : undefined}
                  onChange={(v) => {
                    setValues((old) => ({ ...old, [f.key]: v }));
                  }}
                />
                {problem && (
                  <p className="field-error" id={errorId} data-testid={errorId}>
                    {problem.message}
                  </p>
                )}
              </div>
            );
          })}
        </div>
        {others.map((p) => (
          <p key={p.field} className="field-error">
            {p.message}
          </p>
        ))}
        {error && <ErrorMessage error={error} title="The lead could not be saved" />}
        <div className="actions">
          <button type="submit" className="button-primary" data-testid="lead-save" disabled={saving}>
            {saving ? "Saving…" : lead === null ? "Add lead" : "Save changes"}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
