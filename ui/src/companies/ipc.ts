// The Companies screen's commands (src-tauri/src/commands/companies.rs): company fields and the
// company mapping, checked against the active portal's company properties.

import type { CompanyMappingSaved } from "../bindings/CompanyMappingSaved";
import type { CompanyMappingView } from "../bindings/CompanyMappingView";
import type { Field } from "../bindings/Field";
import type { MappingSource } from "../bindings/MappingSource";
import type { WriteRule } from "../bindings/WriteRule";
import type { NewField } from "../fields/ipc";
import { call } from "../shared/ipc";

/** Every company field, built-in and custom, in their order. */
export function listCompanyFields(): Promise<Field[]> {
  return call("list_company_fields");
}

/** Adds a custom company field; the store checks the key, type and options. */
export function addCompanyField(field: NewField): Promise<Field> {
  const { key, label, kind, options } = field;
  return call("add_company_field", { key, label, kind, options });
}

/** Removes a custom company field with its values and the mapping rows it fills. */
export function removeCompanyField(key: string): Promise<void> {
  return call("remove_company_field", { key });
}

/**
 * The active portal's company mapping, each row checked against its live company properties
 * (and those properties, for the picker), or why they could not be read.
 */
export function companyMapping(): Promise<CompanyMappingView> {
  return call("company_mapping");
}

/**
 * Fills a company property from a company or lead field, or changes a row's write rule (`null`
 * keeps it). Unknown or read-only properties are refused when the portal answers; offline the
 * row is saved with a warning.
 */
export function setCompanyMapping(
  property: string,
  source: MappingSource,
  fieldKey: string,
  rule: WriteRule | null,
): Promise<CompanyMappingSaved> {
  return call("set_company_mapping", { property, source, fieldKey, rule });
}

/** Stops filling a company property (not the domain row). */
export function removeCompanyMapping(property: string): Promise<void> {
  return call("remove_company_mapping", { property });
}
