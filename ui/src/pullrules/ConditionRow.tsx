import { useId } from "react";

import type { ConditionProperty } from "../bindings/ConditionProperty";
import type { Operator } from "../bindings/Operator";
import {
  type DraftCondition,
  OPERATOR_LABELS,
  picksOptions,
  typeLabel,
  valueInputs,
  withOperator,
  withProperty,
} from "./draft";

/** One condition: property, comparison, value(s), and its remove button. */
export function ConditionRow({
  index,
  condition,
  properties,
  listId,
  problem,
  disabled,
  onChange,
  onRemove,
}: {
  index: number;
  condition: DraftCondition;
  properties: ConditionProperty[] | null;
  listId: string;
  problem: string | undefined;
  disabled: boolean;
  onChange: (next: DraftCondition) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const name = condition.property.trim().toLowerCase();
  const property = properties?.find((p) => p.name === name);
  // Offline the core's full list is offered: the save is refused with the reason anyway.
  const operators: Operator[] =
    property?.operators ?? (properties === null ? (Object.keys(OPERATOR_LABELS) as Operator[]) : []);
  const number = index + 1;
  return (
    <li className="condition-row" data-testid="pull-condition" data-index={index} aria-label={`Condition ${String(number)}`}>
      <div className="field">
        <label htmlFor={`${id}-property`}>Property</label>
        <input
          id={`${id}-property`}
          data-testid="condition-property"
          list={listId}
          value={condition.property}
          disabled={disabled}
          autoComplete="off"
          placeholder="Type to search properties"
          aria-describedby={`${id}-type`}
          aria-invalid={problem !== undefined}
          onChange={(e) => {
            const value = e.currentTarget.value;
            const match = properties?.find((p) => p.name === value.trim().toLowerCase());
            onChange(match === undefined ? { ...condition, property: value, operator: "", values: [] } : withProperty(condition, match, value));
          }}
        />
        <p id={`${id}-type`} className="field-hint" data-testid="condition-type">
          {property !== undefined ? `${property.label} · ${typeLabel(property.type)}` : properties === null ? "Internal name (not checked offline)" : "Pick from the list"}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-operator`}>Comparison</label>
        <select
          id={`${id}-operator`}
          data-testid="condition-operator"
          value={condition.operator}
          disabled={disabled || operators.length === 0}
          onChange={(e) => {
            onChange(withOperator(condition, e.currentTarget.value as Operator));
          }}
        >
          {condition.operator === "" && <option value="">Choose…</option>}
          {operators.map((op) => (
            <option key={op} value={op}>
              {OPERATOR_LABELS[op]}
            </option>
          ))}
        </select>
      </div>
      {Array.from({ length: valueInputs(condition.operator) }, (_, i) => (
        <ValueInput
          key={i}
          id={`${id}-value-${String(i)}`}
          label={condition.operator === "between" ? (i === 0 ? "From" : "To") : condition.operator === "one-of" ? "Values" : "Value"}
          testId={i === 0 ? "condition-value" : "condition-value-2"}
          property={property}
          operator={condition.operator}
          value={condition.values[i] ?? ""}
          disabled={disabled}
          onChange={(value) => {
            const values = [...condition.values];
            values[i] = value;
            onChange({ ...condition, values });
          }}
        />
      ))}
      <div className="condition-remove">
        <button type="button" className="button-danger-outline" data-testid="condition-remove" disabled={disabled} onClick={onRemove}>
          Remove <span className="sr-only">condition {number}</span>
        </button>
      </div>
      {problem !== undefined && (
        <p className="field-error condition-error" data-testid="condition-error" role="alert">
          Condition {number}: {problem}
        </p>
      )}
    </li>
  );
}

/** The value input that suits the property's type. */
function ValueInput({
  id,
  label,
  testId,
  property,
  operator,
  value,
  disabled,
  onChange,
}: {
  id: string;
  label: string;
  testId: string;
  property: ConditionProperty | undefined;
  operator: Operator | "";
  value: string;
  disabled: boolean;
  onChange: (value: string) => void;
}) {
  const kind = property?.type ?? "string";
  let input;
  if (picksOptions(property) && operator === "one-of") {
    const picked = value.split("\n").filter((v) => v !== "");
    input = (
      <select
        id={id}
        data-testid={testId}
        multiple
        size={Math.min(6, property?.options.length ?? 1)}
        value={picked}
        disabled={disabled}
        onChange={(e) => {
          onChange(Array.from(e.currentTarget.selectedOptions, (o) => o.value).join("\n"));
        }}
      >
        {property?.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (picksOptions(property) || kind === "bool") {
    const options = kind === "bool" ? [{ value: "true", label: "Yes" }, { value: "false", label: "No" }] : (property?.options ?? []);
    input = (
      <select
        id={id}
        data-testid={testId}
        value={value}
        disabled={disabled}
        onChange={(e) => {
          onChange(e.currentTarget.value);
        }}
      >
        <option value="">Choose…</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else {
    const type =
      operator === "one-of" ? "text" : kind === "number" ? "number" : kind === "date" || kind === "datetime" ? "date" : kind === "owner" ? "email" : "text";
    input = (
      <input
        id={id}
        data-testid={testId}
        type={type}
        step={type === "number" ? "any" : undefined}
        value={value}
        disabled={disabled}
        placeholder={operator === "one-of" ? "Separate values with commas" : undefined}
        onChange={(e) => {
          onChange(e.currentTarget.value);
        }}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {input}
    </div>
  );
}
