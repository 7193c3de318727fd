import { useId, useMemo, useState, type SubmitEvent } from "react";

import type { ContactProperty } from "../bindings/ContactProperty";
import type { Field } from "../bindings/Field";
import type { FieldFit } from "../bindings/FieldFit";
import type { Mapping } from "../bindings/Mapping";
import type { WriteRule } from "../bindings/WriteRule";
import { listFields } from "../fields/ipc";
import { MappingFileCard } from "../mappingfile/MappingFileCard";
import { ErrorMessage } from "../shared/ErrorMessage";
import { RemoveButton } from "../shared/RemoveButton";
import { SaveOutcome } from "../shared/SaveOutcome";
import { useAction } from "../shared/useAction";
import { useLoadable } from "../shared/useLoadable";
import { contactProperties, listMappings, removeMapping, setMapping } from "./ipc";
import { PropertyPicker } from "./PropertyPicker";
import { ruleLabel } from "./writeRules";
import { WriteRuleSelect } from "./WriteRuleSelect";

interface Local {
  fields: Field[];
  mappings: Mapping[];
}

/** The store's side of the mapping: the lead fields and the rows. */
async function readLocal(): Promise<Local> {
  const [fields, mappings] = await Promise.all([listFields(), listMappings()]);
  return { fields, mappings };
}

/** Which fit note, if any, the core gave for `fieldKey` filling `property`. */
function fitFor(property: ContactProperty | undefined, fieldKey: string): FieldFit | undefined {
  return property?.fits.find((f) => f.field_key === fieldKey);
}

/** The mapping: which lead field fills which HubSpot contact property, and how. */
export function MappingScreen() {
  // An imported mapping file changes the rows (and maybe the fields): read them again.
  const [reads, setReads] = useState(0);
  const [local, updateLocal] = useLoadable(readLocal, reads);
  const [live] = useLoadable(contactProperties, 0, { followsStore: false });
  const [status, setStatus] = useState("");
  const [warning, setWarning] = useState<string | null>(null);
  const { busy, error, run } = useAction(() => {
    setWarning(null);
    setStatus("");
  });

  const properties = live.status === "ready" ? live.value.properties : [];
  const offline =
    live.status === "ready" ? live.value.unavailable : live.status === "failed" ? live.error.message : null;

  function replaceRow(mapping: Mapping) {
    updateLocal(({ fields, mappings }) => {
      const others = mappings.filter((m) => m.field_key !== mapping.field_key);
      const order = (key: string) => fields.findIndex((f) => f.key === key);
      const next = [...others, mapping].sort((a, b) => order(a.field_key) - order(b.field_key));
      return { fields, mappings: next };
    });
  }

  function save(fieldKey: string, property: string, rule: WriteRule | null, said: string) {
    run(setMapping(fieldKey, property, rule), "The mapping was not saved", (saved) => {
      replaceRow(saved.mapping);
      setStatus(said);
      setWarning(saved.warning);
    });
  }

  function remove(fieldKey: string) {
    run(removeMapping(fieldKey), "The row was not removed", () => {
      updateLocal((held) => ({ ...held, mappings: held.mappings.filter((m) => m.field_key !== fieldKey) }));
      setStatus(`The field ${fieldKey} is no longer sent to HubSpot.`);
    });
  }

  return (
    <div className="screen">
      <section className="card" aria-labelledby="mapping-title">
        <h2 id="mapping-title">Mapping</h2>
        <p className="muted">Which lead field fills which HubSpot contact property in the active portal.</p>
        <div aria-live="polite">
          {live.status === "loading" && <p className="muted">Reading the portal’s contact properties…</p>}
          {offline !== null && (
            <div className="notice notice-warning" data-testid="offline-notice">
              <p className="notice-title">HubSpot can’t be reached</p>
              <p>{offline}</p>
              <p>
                You can still edit the mapping: rows are saved without checking the property in HubSpot, with a
                warning.
              </p>
            </div>
          )}
        </div>
        {local.status === "loading" && <p aria-busy="true">Loading the mapping…</p>}
        {local.status === "failed" && <ErrorMessage error={local.error} title="The mapping could not be read" />}
        {local.status === "ready" && (
          <MappingTable
            local={local.value}
            properties={properties}
            busy={busy}
            onRule={(m, rule) => {
              save(m.field_key, m.property, rule, `${m.field_key} → ${m.property}: ${ruleLabel(rule)}.`);
            }}
            onRemove={remove}
          />
        )}
        <SaveOutcome status={status} warning={warning} error={error} warningTestId="save-warning" />
      </section>
      {local.status === "ready" && (
        <AddRow
          local={local.value}
          properties={properties}
          offline={offline !== null}
          loadingProperties={live.status === "loading"}
          busy={busy}
          onAdd={(fieldKey, property) => {
            save(fieldKey, property, null, `Added ${fieldKey} → ${property}.`);
          }}
        />
      )}
      <MappingFileCard
        onImported={() => {
          setReads((n) => n + 1);
        }}
      />
    </div>
  );
}

function MappingTable({
  local,
  properties,
  busy,
  onRule,
  onRemove,
}: {
  local: Local;
  properties: ContactProperty[];
  busy: boolean;
  onRule: (mapping: Mapping, rule: WriteRule) => void;
  onRemove: (fieldKey: string) => void;
}) {
  const labelOf = (key: string) => local.fields.find((f) => f.key === key)?.label ?? key;
  return (
    <div className="table-wrap">
      <table className="table" aria-labelledby="mapping-title">
        <thead>
          <tr>
            <th scope="col">Lead field</th>
            <th scope="col">HubSpot property</th>
            <th scope="col">Write rule</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {local.mappings.map((m) => {
            const locked = m.field_key === "email";
            const property = properties.find((p) => p.name === m.property);
            const fit = fitFor(property, m.field_key);
            return (
              <tr key={m.field_key} data-testid={`mapping-row-${m.field_key}`}>
                <th scope="row">
                  {labelOf(m.field_key)} <code>{m.field_key}</code>
                </th>
                <td>
                  {property !== undefined && property.label !== "" && <span>{property.label} </span>}
                  <code>{m.property}</code>
                  {fit !== undefined && (
                    <p className={fit.level === "never" ? "field-error" : "field-hint"}>{fit.reason}</p>
                  )}
                </td>
                <td>
                  {locked ? (
                    <span>
                      Overwrite <span className="muted">(fixed)</span>
                    </span>
                  ) : (
                    <WriteRuleSelect
                      label={`Write rule for ${labelOf(m.field_key)}`}
                      value={m.write_rule}
                      disabled={busy}
                      onChange={(rule) => {
                        onRule(m, rule);
                      }}
                    />
                  )}
                </td>
                <td>
                  {locked ? (
                    <span className="muted" title="Email is how leads match contacts">
                      Locked: email matches leads to contacts
                    </span>
                  ) : (
                    <RemoveButton
                      name={labelOf(m.field_key)}
                      disabled={busy}
                      onClick={() => {
                        onRemove(m.field_key);
                      }}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function AddRow({
  local,
  properties,
  offline,
  loadingProperties,
  busy,
  onAdd,
}: {
  local: Local;
  properties: ContactProperty[];
  offline: boolean;
  loadingProperties: boolean;
  busy: boolean;
  onAdd: (fieldKey: string, property: string) => void;
}) {
  const id = useId();
  const [fieldKey, setFieldKey] = useState("");
  const [property, setProperty] = useState("");
  // Each row added starts the picker afresh (its search cleared).
  const [picks, setPicks] = useState(0);

  const mappedFields = new Set(local.mappings.map((m) => m.field_key));
  const freeFields = local.fields.filter((f) => !mappedFields.has(f.key));
  const taken = useMemo(() => new Set(local.mappings.map((m) => m.property)), [local.mappings]);
  const chosen = properties.find((p) => p.name === property);
  const fit = fieldKey === "" ? undefined : fitFor(chosen, fieldKey);
  const field = local.fields.find((f) => f.key === fieldKey);

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    onAdd(fieldKey, property.trim());
    setFieldKey("");
    setProperty("");
    setPicks((n) => n + 1);
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a row</h2>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-field`}>Lead field</label>
          <select
            id={`${id}-field`}
            value={fieldKey}
            onChange={(e) => {
              setFieldKey(e.currentTarget.value);
            }}
          >
            <option value="">Choose a lead field…</option>
            {freeFields.map((f) => (
              <option key={f.key} value={f.key}>
                {f.label} ({f.key})
              </option>
            ))}
          </select>
        </div>
        <PropertyPicker
          key={picks}
          id={id}
          what="HubSpot property"
          properties={properties}
          taken={taken}
          value={property}
          onChange={setProperty}
          offline={offline}
          loading={loadingProperties}
        />
        <div aria-live="polite">
          {fit !== undefined && field !== undefined && (
            <p
              className={fit.level === "never" ? "notice notice-warning" : "field-hint"}
              data-testid="fit-warning"
            >
              {fit.level === "never" ? "These types look incompatible: " : "Note: "}
              {fit.reason}.
            </p>
          )}
        </div>
        <div className="actions">
          <button
            type="submit"
            className="button-primary"
            disabled={busy || fieldKey === "" || property.trim() === ""}
          >
            Add row
          </button>
        </div>
      </form>
    </section>
  );
}
