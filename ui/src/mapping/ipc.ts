// The Mapping screen's commands: the active portal's mapping and its live contact properties.

import type { ContactProperties } from "../bindings/ContactProperties";
import type { Mapping } from "../bindings/Mapping";
import type { MappingSaved } from "../bindings/MappingSaved";
import type { WriteRule } from "../bindings/WriteRule";
import { call } from "../shared/ipc";

/** The active portal's mapping: lead field → HubSpot property, with its write rule. */
export function listMappings(): Promise<Mapping[]> {
  return call("list_mappings");
}

/** The active portal's live contact properties, or why they could not be read. */
export function contactProperties(): Promise<ContactProperties> {
  return call("contact_properties");
}

/**
 * Maps a lead field to a HubSpot property, or changes a row's write rule (`null` keeps it).
 * Unknown or read-only properties are refused when the portal answers; offline the row is
 * saved with a warning.
 */
export function setMapping(fieldKey: string, property: string, rule: WriteRule | null): Promise<MappingSaved> {
  return call("set_mapping", { fieldKey, property, rule });
}

/** Stops sending a lead field to HubSpot (not the email row). */
export function removeMapping(fieldKey: string): Promise<void> {
  return call("remove_mapping", { fieldKey });
}
