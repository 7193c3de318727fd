import type { WriteRule } from "../bindings/WriteRule";

/** Each write rule in words, in the order the pickers list them. */
export const WRITE_RULES: readonly { rule: WriteRule; label: string }[] = [
  { rule: "overwrite", label: "Overwrite" },
  { rule: "if-empty", label: "Only if empty" },
];

/** A write rule in words: "Overwrite", "Only if empty". */
export function ruleLabel(rule: WriteRule): string {
  return WRITE_RULES.find((r) => r.rule === rule)?.label ?? rule;
}
