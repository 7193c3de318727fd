// The pull rules as the editor holds them while the admin changes them, and how they become
// the `PullRules` the core checks. Which operators suit a property comes from the core
// (`ConditionProperty.operators`); here only what a form needs: value counts and inputs.

import type { ConditionProperty } from "../bindings/ConditionProperty";
import type { Operator } from "../bindings/Operator";
import type { PullRules } from "../bindings/PullRules";

export interface DraftCondition {
  /** Stable across edits, for React keys. */
  id: number;
  property: string;
  operator: Operator | "";
  /** One entry per value input; `one-of` on text keeps one comma-separated entry. */
  values: string[];
}

export interface Draft {
  mode: "all" | "filter";
  conditions: DraftCondition[];
  newOnly: boolean;
  /** A `datetime-local` value (the user's time zone, to the second), or "". */
  modifiedSince: string;
  sinceLastPull: boolean;
}

export const OPERATOR_LABELS: Record<Operator, string> = {
  equals: "is",
  "not-equals": "is not",
  "one-of": "is one of",
  contains: "contains",
  "greater-than": "is greater than / after",
  "less-than": "is less than / before",
  between: "is between",
  known: "has a value",
  unknown: "has no value",
};

/** Operators that take no value: the row shows no value input. */
export function takesNoValue(operator: Operator | ""): boolean {
  return operator === "known" || operator === "unknown";
}

/** How many value inputs an operator shows. */
export function valueInputs(operator: Operator | ""): number {
  if (operator === "" || takesNoValue(operator)) return 0;
  return operator === "between" ? 2 : 1;
}

/** Whether a property's one-of values are picked from its options (else typed, comma separated). */
export function picksOptions(property: ConditionProperty | undefined): boolean {
  return property !== undefined && property.options.length > 0;
}

/** The row after its property changed: the first operator that suits it, values cleared. */
export function withProperty(
  condition: DraftCondition,
  property: ConditionProperty | undefined,
  name: string,
): DraftCondition {
  const operator: Operator | "" = property?.operators[0] ?? "";
  return { ...condition, property: name, operator, values: new Array<string>(valueInputs(operator)).fill("") };
}

/** The row after its operator changed: as many values as it takes, keeping the first. */
export function withOperator(condition: DraftCondition, operator: Operator): DraftCondition {
  const count = valueInputs(operator);
  const values = Array.from({ length: count }, (_, i) => condition.values[i] ?? "");
  return { ...condition, operator, values: operator === "one-of" ? values : values.map((v) => v.split("\n")[0] ?? "") };
}

/** A value list as the core takes it: `one-of` text split at commas or line breaks (options picked arrive one per line). */
function coreValues(condition: DraftCondition): string[] {
  if (condition.operator === "one-of") {
    return (condition.values[0] ?? "")
      .split(/[,\n]/)
      .map((v) => v.trim())
      .filter((v) => v !== "");
  }
  return condition.values.map((v) => v.trim());
}

/** "2026-05-01T09:30" in the user's time zone → an RFC 3339 instant; `null` for "". */
export function localToInstant(local: string): string | null {
  if (local.trim() === "") return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An RFC 3339 instant → the `datetime-local` value showing it in the user's time zone. */
export function instantToLocal(instant: string | null): string {
  if (instant === null) return "";
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${String(date.getFullYear())}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  // Seconds only when the saved instant has them, so an unchanged rule never looks edited.
  const seconds = date.getSeconds() === 0 ? "" : `:${pad(date.getSeconds())}`;
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}${seconds}`;
}

/** An id no row of the draft has yet. */
export function nextConditionId(draft: Draft): number {
  return Math.max(0, ...draft.conditions.map((c) => c.id)) + 1;
}

/** The editor's form of saved rules. */
export function toDraft(rules: PullRules): Draft {
  return {
    mode: rules.conditions.length === 0 ? "all" : "filter",
    conditions: rules.conditions.map((c, index) => ({
      id: index + 1,
      property: c.property,
      operator: c.operator,
      values: c.operator === "one-of" ? [c.values.join(", ")] : [...c.values],
    })),
    newOnly: rules.newOnly,
    modifiedSince: instantToLocal(rules.modifiedSince),
    sinceLastPull: rules.sinceLastPull,
  };
}

/** The rules the draft saves: "All contacts" saves no conditions. */
export function toRules(draft: Draft): PullRules {
  return {
    conditions:
      draft.mode === "all"
        ? []
        : draft.conditions.map((c) => ({
            property: c.property.trim().toLowerCase(),
            operator: c.operator === "" ? "equals" : c.operator,
            values: coreValues(c),
          })),
    newOnly: draft.newOnly,
    modifiedSince: localToInstant(draft.modifiedSince),
    sinceLastPull: draft.sinceLastPull,
  };
}

/** Whether two rules select the same contacts (instants compared as instants). */
export function sameRules(a: PullRules, b: PullRules): boolean {
  const when = (t: string | null) => (t === null ? null : new Date(t).getTime());
  return (
    JSON.stringify({ ...a, modifiedSince: when(a.modifiedSince) }) ===
    JSON.stringify({ ...b, modifiedSince: when(b.modifiedSince) })
  );
}

/** What the form can tell before asking the core: a problem per row (by index), and for the whole. */
export interface DraftProblems {
  rows: Map<number, string>;
  whole: string[];
}

export function draftProblems(draft: Draft, properties: ConditionProperty[] | null): DraftProblems {
  const rows = new Map<number, string>();
  const whole: string[] = [];
  if (draft.mode === "filter") {
    if (draft.conditions.length === 0) whole.push("Add a condition, or choose “All contacts”.");
    draft.conditions.forEach((c, index) => {
      const name = c.property.trim().toLowerCase();
      const known = properties?.find((p) => p.name === name);
      let problem: string | undefined;
      if (name === "") problem = "Choose a property.";
      else if (properties !== null && known === undefined) problem = `HubSpot has no property “${name}”: choose one from the list.`;
      else if (c.operator === "") problem = "Choose how to compare.";
      else if (c.operator === "between" && coreValues(c).some((v) => v === "")) problem = "Enter both ends of the range.";
      else if (valueInputs(c.operator) > 0 && (coreValues(c).length === 0 || coreValues(c).some((v) => v === "")))
        problem = c.operator === "one-of" ? "Enter at least one value." : "Enter a value.";
      if (problem !== undefined) rows.set(index, problem);
    });
  }
  if (draft.modifiedSince.trim() !== "" && localToInstant(draft.modifiedSince) === null) {
    whole.push("“Modified since” is not a date and time.");
  }
  return { rows, whole };
}

/** HubSpot's type names in words. */
const TYPE_LABELS: Partial<Record<string, string>> = {
  string: "text",
  number: "number",
  bool: "yes/no",
  date: "date",
  datetime: "date and time",
  enumeration: "choice",
  phone_number: "phone number",
  owner: "owner's email",
};

export function typeLabel(kind: string): string {
  return TYPE_LABELS[kind] ?? kind;
}
