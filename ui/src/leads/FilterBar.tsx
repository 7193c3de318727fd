import { useState } from "react";

import type { Field } from "../bindings/Field";
import type { FieldOp } from "../bindings/FieldOp";
import type { LeadFilter } from "../bindings/LeadFilter";
import { OPS, describeFilter } from "./filters";

const LINKED = "__linked";
const OWNER = "__owner";
/** The lead's company's name and domain: apart from the lead's own fields. */
const COMPANY_NAME = "__company_name";
const COMPANY_DOMAIN = "__company_domain";

/** Builds filters one at a time; each shows as a chip that removes it. */
export function FilterBar({ fields, filters, onChange }: { fields: Field[]; filters: LeadFilter[]; onChange: (filters: LeadFilter[]) => void }) {
  const [target, setTarget] = useState("email");
  const [op, setOp] = useState<FieldOp>("contains");
  const [value, setValue] = useState("");
  const [linked, setLinked] = useState(true);

  const needsValue = target === OWNER || (target !== LINKED && (op === "equals" || op === "contains"));

  function add() {
    let filter: LeadFilter;
    if (target === LINKED) filter = { kind: "linked", linked };
    else if (target === OWNER) filter = { kind: "owner", email: value.trim() };
    else if (target === COMPANY_NAME || target === COMPANY_DOMAIN) {
      filter = { kind: "company", part: target === COMPANY_NAME ? "name" : "domain", op, value: needsValue ? value : "" };
    }
    else filter = { kind: "field", field: target, op, value: needsValue ? value : "" };
    onChange([...filters, filter]);
    setValue("");
  }

  return (
    <div className="filter-bar" data-testid="leads-filters">
      <form
        className="filter-form"
        aria-label="Add a filter"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <label>
          <span className="sr-only">Filter on</span>
          <select
            value={target}
            data-testid="filter-target"
            onChange={(e) => {
              setTarget(e.currentTarget.value);
            }}
          >
            {fields.map((f) => (
              <option key={f.key} value={f.key}>
                {f.label}
              </option>
            ))}
            <option value={LINKED}>Linked to HubSpot</option>
            <option value={OWNER}>Owner email</option>
            <option value={COMPANY_NAME}>Company name</option>
            <option value={COMPANY_DOMAIN}>Company domain</option>
          </select>
        </label>
        {target === LINKED ? (
          <label>
            <span className="sr-only">Linked</span>
            <select
              value={linked ? "yes" : "no"}
              data-testid="filter-linked"
              onChange={(e) => {
                setLinked(e.currentTarget.value === "yes");
              }}
            >
              <option value="yes">yes</option>
              <option value="no">no</option>
            </select>
          </label>
        ) : (
          target !== OWNER && (
            <label>
              <span className="sr-only">Condition</span>
              <select
                value={op}
                data-testid="filter-op"
                onChange={(e) => {
                  setOp(e.currentTarget.value as FieldOp);
                }}
              >
                {OPS.map((o) => (
                  <option key={o.op} value={o.op}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          )
        )}
        {needsValue && (
          <label>
            <span className="sr-only">{target === OWNER ? "Owner email (blank: no owner)" : "Value"}</span>
            <input
              type="text"
              value={value}
              data-testid="filter-value"
              placeholder={target === OWNER ? "owner@company.com, or blank for none" : "Value"}
              onChange={(e) => {
                setValue(e.currentTarget.value);
              }}
            />
          </label>
        )}
        <button type="submit" data-testid="filter-add">
          Add filter
        </button>
      </form>
      {filters.length > 0 && (
        <ul className="filter-chips" aria-label="Filters">
          {filters.map((f, i) => (
            <li key={`${String(i)}-${describeFilter(f, fields)}`} className="chip">
              {describeFilter(f, fields)}
              <button
                type="button"
                aria-label={`Remove filter: ${describeFilter(f, fields)}`}
                onClick={() => {
                  onChange(filters.filter((_, j) => j !== i));
                }}
              >
                ×
              </button>
            </li>
          ))}
          <li>
            <button
              type="button"
              className="link-button"
              onClick={() => {
                onChange([]);
              }}
            >
              Clear filters
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}
