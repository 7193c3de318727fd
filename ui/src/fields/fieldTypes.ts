import type { FieldType } from "../bindings/FieldType";

/** Each lead field type in words, in the order the pickers list them. */
export const FIELD_TYPES: readonly { type: FieldType; label: string }[] = [
  { type: "text", label: "Text" },
  { type: "number", label: "Number" },
  { type: "date", label: "Date" },
  { type: "datetime", label: "Date and time" },
  { type: "boolean", label: "Yes/no" },
  { type: "single_choice", label: "Single choice" },
  { type: "multiple_choice", label: "Multiple choice" },
];

export function fieldTypeLabel(type: FieldType): string {
  return FIELD_TYPES.find((t) => t.type === type)?.label ?? type;
}

export function hasOptions(type: FieldType): boolean {
  return type === "single_choice" || type === "multiple_choice";
}
