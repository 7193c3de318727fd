import type { WriteRule } from "../bindings/WriteRule";
import { WRITE_RULES } from "./writeRules";

/** A mapping row's write rule, picked from the list (`label` names the row for screen readers). */
export function WriteRuleSelect({
  label,
  value,
  disabled,
  onChange,
}: {
  label: string;
  value: WriteRule;
  disabled: boolean;
  onChange: (rule: WriteRule) => void;
}) {
  return (
    <select
      aria-label={label}
      value={value}
      disabled={disabled}
      onChange={(e) => {
        onChange(e.currentTarget.value as WriteRule);
      }}
    >
      {WRITE_RULES.map((r) => (
        <option key={r.rule} value={r.rule}>
          {r.label}
        </option>
      ))}
    </select>
  );
}
