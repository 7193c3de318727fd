import { useId, useState, type SubmitEvent } from "react";

import type { Field } from "../bindings/Field";
import type { FieldType } from "../bindings/FieldType";
import type { CommandError } from "../shared/commandError";
import { ErrorMessage } from "../shared/ErrorMessage";
import { RemoveButton } from "../shared/RemoveButton";
import { toCommandError } from "../shared/ipc";
import { useLoadable } from "../shared/useLoadable";
import { FIELD_TYPES, fieldTypeLabel, hasOptions } from "./fieldTypes";
import { addField, listFields, type NewField } from "./ipc";

/** The data model: every lead field, and adding a custom one. */
export function FieldsScreen() {
  const [fields, updateFields] = useLoadable(listFields);

  return (
    <div className="screen">
      <section className="card" aria-labelledby="fields-title">
        <h2 id="fields-title">Lead fields</h2>
        <p className="muted">What the lead store keeps for each lead: the built-in fields and your own.</p>
        {fields.status === "loading" && <p aria-busy="true">Loading the fields…</p>}
        {fields.status === "failed" && <ErrorMessage error={fields.error} title="The fields could not be read" />}
        {fields.status === "ready" && <FieldTable fields={fields.value} labelledBy="fields-title" />}
      </section>
      <AddField
        title="Add a custom field"
        add={addField}
        onAdded={(field) => {
          updateFields((list) => [...list, field]);
        }}
      />
    </div>
  );
}

/** A table of fields (lead or company); with `onRemove`, each custom field has a Remove button. */
export function FieldTable({
  fields,
  labelledBy,
  onRemove,
  busy = false,
}: {
  fields: Field[];
  labelledBy: string;
  onRemove?: (field: Field) => void;
  busy?: boolean;
}) {
  return (
    <div className="table-wrap">
      <table className="table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Key</th>
            <th scope="col">Type</th>
            <th scope="col">Options</th>
            <th scope="col">Kind</th>
            {onRemove !== undefined && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={field.key}>
              <th scope="row">{field.label}</th>
              <td>
                <code>{field.key}</code>
              </td>
              <td>{fieldTypeLabel(field.type)}</td>
              <td>{field.options.length > 0 ? field.options.join(", ") : <span className="muted">—</span>}</td>
              <td>{field.builtin ? "Built-in" : "Custom"}</td>
              {onRemove !== undefined && (
                <td>
                  {!field.builtin && (
                    <RemoveButton
                      name={field.label}
                      disabled={busy}
                      onClick={() => {
                        onRemove(field);
                      }}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Options as typed: one per line; blank lines dropped (the store trims them too). */
function parseOptions(text: string): string[] {
  return text
    .split("\n")
    .map((o) => o.trim())
    .filter((o) => o !== "");
}

/** The form that adds a custom field through `add` (a lead field, or a company field). */
export function AddField({
  title,
  add,
  onAdded,
}: {
  title: string;
  add: (field: NewField) => Promise<Field>;
  onAdded: (field: Field) => void;
}) {
  const id = useId();
  const [key, setKey] = useState("");
  const [label, setLabel] = useState("");
  const [kind, setKind] = useState<FieldType>("text");
  const [options, setOptions] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const [status, setStatus] = useState("");

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus("");
    const trimmedLabel = label.trim();
    add({
      key: key.trim(),
      label: trimmedLabel === "" ? null : trimmedLabel,
      kind,
      options: hasOptions(kind) ? parseOptions(options) : [],
    }).then(
      (field) => {
        onAdded(field);
        setStatus(`Added the field ${field.label} (${field.key}).`);
        setKey("");
        setLabel("");
        setOptions("");
        setBusy(false);
      },
      (e: unknown) => {
        setError(toCommandError(e));
        setBusy(false);
      },
    );
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <form onSubmit={submit} noValidate>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-key`}>Key</label>
            <input
              id={`${id}-key`}
              value={key}
              required
              aria-describedby={`${id}-key-hint`}
              onChange={(e) => {
                setKey(e.currentTarget.value);
              }}
            />
            <p id={`${id}-key-hint`} className="field-hint">
              Lowercase letters, digits and underscores, starting with a letter (e.g. <code>industry_tier</code>).
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${id}-label`}>Label (optional)</label>
            <input
              id={`${id}-label`}
              value={label}
              onChange={(e) => {
                setLabel(e.currentTarget.value);
              }}
            />
          </div>
        </div>
        <div className="field field-narrow">
          <label htmlFor={`${id}-type`}>Type</label>
          <select
            id={`${id}-type`}
            value={kind}
            onChange={(e) => {
              setKind(e.currentTarget.value as FieldType);
            }}
          >
            {FIELD_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        {hasOptions(kind) && (
          <div className="field">
            <label htmlFor={`${id}-options`}>Options</label>
            <textarea
              id={`${id}-options`}
              rows={4}
              value={options}
              aria-describedby={`${id}-options-hint`}
              onChange={(e) => {
                setOptions(e.currentTarget.value);
              }}
            />
            <p id={`${id}-options-hint`} className="field-hint">
              One option per line.
            </p>
          </div>
        )}
        <div className="actions">
          <button type="submit" className="button-primary" disabled={busy || key.trim() === ""}>
            {busy ? "Adding…" : "Add field"}
          </button>
        </div>
      </form>
      <p className="status-line" role="status" aria-live="polite">
        {status}
      </p>
      {error !== null && <ErrorMessage error={error} title="The field was not added" />}
    </section>
  );
}
