// The Data model screen's commands: the lead fields (the Leads and Mapping screens read them too).

import type { Field } from "../bindings/Field";
import type { FieldType } from "../bindings/FieldType";
import { call } from "../shared/ipc";

/** Every lead field, built-in and custom, in their order. */
export function listFields(): Promise<Field[]> {
  return call("list_fields");
}

export interface NewField {
  key: string;
  /** `null` derives the label from the key. */
  label: string | null;
  kind: FieldType;
  /** Choice types need options; other types take none. */
  options: string[];
}

/** Adds a custom lead field; the store checks the key, type and options. */
export function addField(field: NewField): Promise<Field> {
  const { key, label, kind, options } = field;
  return call("add_field", { key, label, kind, options });
}
