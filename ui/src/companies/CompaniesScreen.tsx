import { useId, useMemo, useState, type SubmitEvent } from "react";

import type { CompanyMappingRow } from "../bindings/CompanyMappingRow";
import type { CompanyMappingView } from "../bindings/CompanyMappingView";
import type { CompanyProperty } from "../bindings/CompanyProperty";
import type { Field } from "../bindings/Field";
import type { MappingSource } from "../bindings/MappingSource";
import type { SourceFit } from "../bindings/SourceFit";
import type { WriteRule } from "../bindings/WriteRule";
import { AddField, FieldTable } from "../fields/FieldsScreen";
import { listFields } from "../fields/ipc";
import { PropertyPicker } from "../mapping/PropertyPicker";
import { ruleLabel } from "../mapping/writeRules";
import { WriteRuleSelect } from "../mapping/WriteRuleSelect";
import { ErrorMessage } from "../shared/ErrorMessage";
import { RemoveButton } from "../shared/RemoveButton";
import { SaveOutcome } from "../shared/SaveOutcome";
import { useAction } from "../shared/useAction";
import { useLoadable } from "../shared/useLoadable";
import { ConfirmDialog } from "../sync/ConfirmDialog";
import {
  addCompanyField,
  companyMapping,
  listCompanyFields,
  removeCompanyField,
  removeCompanyMapping,
  setCompanyMapping,
} from "./ipc";

/** The field the domain row is filled from; it fills nothing else. */
const DOMAIN_FIELD = "domain";

interface Fields {
  company: Field[];
  lead: Field[];
}

async function readFields(): Promise<Fields> {
  const [company, lead] = await Promise.all([listCompanyFields(), listFields()]);
  return { company, lead };
}

/** A source and field as one select value: `company:name`, `lead:city`. */
function sourceValue(source: MappingSource, fieldKey: string): string {
  return `${source}:${fieldKey}`;
}

function parseSource(value: string): { source: MappingSource; fieldKey: string } | null {
  const [source, fieldKey] = value.split(/:(.*)/s);
  if ((source !== "company" && source !== "lead") || fieldKey === undefined || fieldKey === "") return null;
  return { source, fieldKey };
}

function fieldLabel(fields: Fields, source: MappingSource, key: string): string {
  const list = source === "company" ? fields.company : fields.lead;
  return list.find((f) => f.key === key)?.label ?? key;
}

/** Which fit note, if any, the core gave for this field filling `property`. */
function fitFor(property: CompanyProperty | undefined, source: MappingSource, fieldKey: string): SourceFit | undefined {
  return property?.fits.find((f) => f.source === source && f.field_key === fieldKey);
}

/**
 * The company mapping: which company or lead field fills which HubSpot company property, each row
 * checked against the portal; and the company fields.
 */
export function CompaniesScreen() {
  // The rows come with their check against HubSpot, which costs a call: they are read when the
  // screen opens and after a company field goes (taking its rows), not on every store change.
  const [reads, setReads] = useState(0);
  const [view, updateView] = useLoadable(companyMapping, reads, { followsStore: false });
  const [fields, updateFields] = useLoadable(readFields);
  const [status, setStatus] = useState("");
  const [warning, setWarning] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Field | null>(null);
  const { busy, error, run } = useAction(() => {
    setWarning(null);
    setStatus("");
  });

  function save(property: string, source: MappingSource, fieldKey: string, rule: WriteRule | null, said: string) {
    run(setCompanyMapping(property, source, fieldKey, rule), "The company mapping was not saved", (saved) => {
      updateView((held) => {
        const at = held.rows.findIndex((r) => r.property === saved.row.property);
        const rows = at === -1 ? [...held.rows, saved.row] : held.rows.map((r, i) => (i === at ? saved.row : r));
        return { ...held, rows };
      });
      setStatus(said);
      setWarning(saved.warning);
    });
  }

  function remove(property: string) {
    run(removeCompanyMapping(property), "The row was not removed", () => {
      updateView((held) => ({ ...held, rows: held.rows.filter((r) => r.property !== property) }));
      setStatus(`The company property ${property} is no longer filled by a push.`);
    });
  }

  function removeField(field: Field) {
    setRemoving(null);
    run(removeCompanyField(field.key), "The company field was not removed", () => {
      updateFields((held) => ({ ...held, company: held.company.filter((f) => f.key !== field.key) }));
      setReads((n) => n + 1);
      setStatus(`Removed the company field ${field.label} (${field.key}).`);
    });
  }

  const offline = view.status === "ready" ? view.value.unavailable : null;

  return (
    <div className="screen">
      <section className="card" aria-labelledby="companies-title">
        <h2 id="companies-title">Company mapping</h2>
        <p className="muted">
          Which company or lead field fills which HubSpot company property in the active portal. Companies are
          matched by their domain.
        </p>
        <div aria-live="polite">
          {view.status === "loading" && <p aria-busy="true">Reading the mapping and the portal’s company properties…</p>}
          {offline !== null && (
            <div className="notice notice-warning" data-testid="companies-offline">
              <p className="notice-title">The portal’s company properties can’t be read</p>
              <p>{offline}</p>
              <p>You can still edit the mapping: rows are saved without checking the property in HubSpot, with a warning.</p>
            </div>
          )}
        </div>
        {view.status === "failed" && <ErrorMessage error={view.error} title="The company mapping could not be read" />}
        {view.status === "ready" && fields.status === "ready" && (
          <CompanyMappingTable
            view={view.value}
            fields={fields.value}
            busy={busy}
            onSource={(row, source, fieldKey) => {
              save(
                row.property,
                source,
                fieldKey,
                null,
                `${row.property} ← ${fieldLabel(fields.value, source, fieldKey)} (${source} field).`,
              );
            }}
            onRule={(row, rule) => {
              save(row.property, row.source, row.field_key, rule, `${row.property}: ${ruleLabel(rule)}.`);
            }}
            onRemove={remove}
          />
        )}
        {fields.status === "failed" && <ErrorMessage error={fields.error} title="The fields could not be read" />}
        <SaveOutcome status={status} warning={warning} error={error} warningTestId="companies-save-warning" />
      </section>
      {view.status === "ready" && fields.status === "ready" && (
        <AddCompanyRow
          view={view.value}
          fields={fields.value}
          busy={busy}
          onAdd={(property, source, fieldKey) => {
            save(property, source, fieldKey, null, `Added ${property} ← ${fieldLabel(fields.value, source, fieldKey)}.`);
          }}
        />
      )}
      <section className="card" aria-labelledby="company-fields-title">
        <h2 id="company-fields-title">Company fields</h2>
        <p className="muted">
          What the lead store keeps for each company: the built-in fields and your own. A company is known by its
          domain.
        </p>
        {fields.status === "loading" && <p aria-busy="true">Loading the company fields…</p>}
        {fields.status === "ready" && (
          <FieldTable
            fields={fields.value.company}
            labelledBy="company-fields-title"
            busy={busy}
            onRemove={(field) => {
              setRemoving(field);
            }}
          />
        )}
      </section>
      <AddField
        title="Add a custom company field"
        add={addCompanyField}
        onAdded={(field) => {
          updateFields((held) => ({ ...held, company: [...held.company, field] }));
        }}
      />
      {removing !== null && (
        <ConfirmDialog
          title={`Remove the company field ${removing.label}?`}
          confirmLabel="Remove field"
          onConfirm={() => {
            removeField(removing);
          }}
          onCancel={() => {
            setRemoving(null);
          }}
        >
          <p>
            Every company’s <code>{removing.key}</code> value goes with it, and so do the company mapping rows it fills
            in every portal.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** The fields a row can be filled from, by source: every lead field, every company field but the domain. */
function SourceOptions({ fields }: { fields: Fields }) {
  return (
    <>
      <optgroup label="Company fields">
        {fields.company
          .filter((f) => f.key !== DOMAIN_FIELD)
          .map((f) => (
            <option key={f.key} value={sourceValue("company", f.key)}>
              {f.label} (company)
            </option>
          ))}
      </optgroup>
      <optgroup label="Lead fields">
        {fields.lead.map((f) => (
          <option key={f.key} value={sourceValue("lead", f.key)}>
            {f.label} (lead)
          </option>
        ))}
      </optgroup>
    </>
  );
}

function CompanyMappingTable({
  view,
  fields,
  busy,
  onSource,
  onRule,
  onRemove,
}: {
  view: CompanyMappingView;
  fields: Fields;
  busy: boolean;
  onSource: (row: CompanyMappingRow, source: MappingSource, fieldKey: string) => void;
  onRule: (row: CompanyMappingRow, rule: WriteRule) => void;
  onRemove: (property: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table" aria-labelledby="companies-title">
        <thead>
          <tr>
            <th scope="col">HubSpot company property</th>
            <th scope="col">Filled from</th>
            <th scope="col">Write rule</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {view.rows.map((row) => {
            const property = view.properties.find((p) => p.name === row.property);
            const label = property !== undefined && property.label !== "" ? property.label : row.property;
            return (
              <tr key={row.property} data-testid={`company-row-${row.property}`}>
                <th scope="row">
                  {property !== undefined && property.label !== "" && <span>{property.label} </span>}
                  <code>{row.property}</code>
                  {row.problem !== null && (
                    <p className="field-error" data-testid="company-row-problem">
                      {row.problem.message} <code>{row.problem.code}</code>
                    </p>
                  )}
                </th>
                <td>
                  {row.locked ? (
                    <span>
                      {fieldLabel(fields, row.source, row.field_key)} (company) <span className="muted">(fixed)</span>
                    </span>
                  ) : (
                    <select
                      aria-label={`Field filling ${label}`}
                      value={sourceValue(row.source, row.field_key)}
                      disabled={busy}
                      onChange={(e) => {
                        const chosen = parseSource(e.currentTarget.value);
                        if (chosen !== null) onSource(row, chosen.source, chosen.fieldKey);
                      }}
                    >
                      <SourceOptions fields={fields} />
                    </select>
                  )}
                  {row.fit !== null && (
                    <p className={row.fit.level === "never" ? "field-error" : "field-hint"}>{row.fit.reason}</p>
                  )}
                </td>
                <td>
                  {row.locked ? (
                    <span>
                      Overwrite <span className="muted">(fixed)</span>
                    </span>
                  ) : (
                    <WriteRuleSelect
                      label={`Write rule for ${label}`}
                      value={row.write_rule}
                      disabled={busy}
                      onChange={(rule) => {
                        onRule(row, rule);
                      }}
                    />
                  )}
                </td>
                <td>
                  {row.locked ? (
                    <span className="muted">Locked: companies are matched by their domain</span>
                  ) : (
                    <RemoveButton
                      name={label}
                      disabled={busy}
                      onClick={() => {
                        onRemove(row.property);
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

function AddCompanyRow({
  view,
  fields,
  busy,
  onAdd,
}: {
  view: CompanyMappingView;
  fields: Fields;
  busy: boolean;
  onAdd: (property: string, source: MappingSource, fieldKey: string) => void;
}) {
  const id = useId();
  const [source, setSource] = useState("");
  const [property, setProperty] = useState("");
  // Each row added starts the picker afresh (its search cleared).
  const [picks, setPicks] = useState(0);
  const taken = useMemo(() => new Set(view.rows.map((r) => r.property)), [view.rows]);
  const chosen = parseSource(source);
  const fit =
    chosen === null ? undefined : fitFor(view.properties.find((p) => p.name === property), chosen.source, chosen.fieldKey);

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (chosen === null) return;
    onAdd(property.trim(), chosen.source, chosen.fieldKey);
    setSource("");
    setProperty("");
    setPicks((n) => n + 1);
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a company row</h2>
      <form onSubmit={submit}>
        <PropertyPicker
          key={picks}
          id={id}
          what="HubSpot company property"
          properties={view.properties}
          taken={taken}
          value={property}
          onChange={setProperty}
          offline={view.unavailable !== null}
          loading={false}
        />
        <div className="field">
          <label htmlFor={`${id}-source`}>Filled from</label>
          <select
            id={`${id}-source`}
            value={source}
            onChange={(e) => {
              setSource(e.currentTarget.value);
            }}
          >
            <option value="">Choose a company or lead field…</option>
            <SourceOptions fields={fields} />
          </select>
          <p className="field-hint">
            A lead field fills the company of the lead whose push associates it: the lead’s company name while the
            company has none, say.
          </p>
        </div>
        <div aria-live="polite">
          {fit !== undefined && (
            <p className={fit.level === "never" ? "notice notice-warning" : "field-hint"} data-testid="company-fit-warning">
              {fit.level === "never" ? "These types look incompatible: " : "Note: "}
              {fit.reason}.
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="button-primary" disabled={busy || chosen === null || property.trim() === ""}>
            Add row
          </button>
        </div>
      </form>
    </section>
  );
}
