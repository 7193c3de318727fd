// The mapping file's commands (src-tauri/src/commands/mapping_file.rs).

import type { MappingExported } from "../bindings/MappingExported";
import type { MappingImport } from "../bindings/MappingImport";
import { call } from "../shared/ipc";

/** Writes the active portal's mapping to a new file in the Downloads folder. */
export function exportMappingFile(): Promise<MappingExported> {
  return call("export_mapping_file");
}

/** What importing the file's text would change; every problem at once when it can't be used. */
export function previewMappingFile(text: string): Promise<MappingImport> {
  return call("preview_mapping_file", { text });
}

/** Imports the file's text (checked again): the mapping becomes the file's, keeping the email row. */
export function importMappingFile(text: string): Promise<MappingImport> {
  return call("import_mapping_file", { text });
}
