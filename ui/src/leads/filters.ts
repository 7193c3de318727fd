// Filters in words.

import type { Field } from "../bindings/Field";
import type { FieldOp } from "../bindings/FieldOp";
import type { LeadFilter } from "../bindings/LeadFilter";

export const OPS: readonly { op: FieldOp; label: string }[] = [
  { op: "contains", label: "contains" },
  { op: "equals", label: "is" },
  { op: "is_empty", label: "is empty" },
  { op: "is_not_empty", label: "is not empty" },
];


/** A filter in words, for its chip. */
export function describeFilter(filter: LeadFilter, fields: Field[]): string {
  switch (filter.kind) {
    case "linked":
      return filter.linked ? "Linked to HubSpot" : "Not linked to HubSpot";
    case "owner":
      return filter.email === "" ? "No owner" : `Owner is ${filter.email}`;
    case "company": {
      const label = filter.part === "name" ? "Company name" : "Company domain";
      const op = OPS.find((o) => o.op === filter.op)?.label ?? filter.op;
      return filter.op === "is_empty" || filter.op === "is_not_empty" ? `${label} ${op}` : `${label} ${op} “${filter.value}”`;
    }
    case "field": {
      const label = fields.find((f) => f.key === filter.field)?.label ?? filter.field;
      const op = OPS.find((o) => o.op === filter.op)?.label ?? filter.op;
      return filter.op === "is_empty" || filter.op === "is_not_empty" ? `${label} ${op}` : `${label} ${op} “${filter.value}”`;
    }
  }
}

