// The Leads screen's IPC commands (src-tauri/src/commands/leads.rs), one typed function each.

import { Channel } from "@tauri-apps/api/core";

import type { ColumnChoice } from "../bindings/ColumnChoice";
import type { ImportInspection } from "../bindings/ImportInspection";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";
import type { LeadDetail } from "../bindings/LeadDetail";
import type { LeadPage } from "../bindings/LeadPage";
import type { LeadQuery } from "../bindings/LeadQuery";
import type { LeadSaved } from "../bindings/LeadSaved";
import type { OwnerList } from "../bindings/OwnerList";
import type { SavedFile } from "../bindings/SavedFile";
import { call } from "../shared/ipc";

/** One page of the lead table and the count of every match. */
export function leadsPage(query: LeadQuery): Promise<LeadPage> {
  return call("leads_page", { query });
}

/** A lead with its owner and where its contact can be seen. */
export function leadDetail(id: number): Promise<LeadDetail> {
  return call("lead_detail", { id });
}

/** Opens a linked lead's contact in HubSpot in the system browser; resolves to the address. */
export function openLeadInHubspot(id: number): Promise<string> {
  return call("open_lead_in_hubspot", { id });
}

/** Values by field key; an empty value leaves (add) or clears (edit) the field. */
export type LeadValues = Record<string, string>;

export function addLead(email: string, values: LeadValues): Promise<LeadSaved> {
  return call("add_lead", { email, values });
}

export function updateLead(id: number, email: string, values: LeadValues): Promise<LeadSaved> {
  return call("update_lead", { id, email, values });
}

/** Reads the active portal's owners from HubSpot; offline, the last read stand with a warning. */
export function refreshOwners(): Promise<OwnerList> {
  return call("refresh_owners");
}

/** Writes every lead to a new CSV file in Downloads; resolves to where and how many. */
export function exportLeads(): Promise<SavedFile> {
  return call("export_leads");
}

/** Opens the folder of a file the screen saved. */
export function openSavedFolder(path: string): Promise<void> {
  return call("open_saved_folder", { path });
}

/** Stages a CSV file's text for import and matches its columns to fields. */
export function csvImportInspect(fileName: string, text: string): Promise<ImportInspection> {
  return call("csv_import_inspect", { fileName, text });
}

export interface ImportRequest {
  token: string;
  fileName: string;
  columns: ColumnChoice[];
  skipBadRows: boolean;
  dryRun: boolean;
}

/** Imports a staged file with the chosen columns; `onProgress` hears how far it is. */
export function csvImportRun(request: ImportRequest, onProgress: (progress: ImportProgress) => void): Promise<ImportReport> {
  const channel = new Channel<ImportProgress>();
  channel.onmessage = onProgress;
  return call("csv_import_run", { ...request, onProgress: channel });
}
