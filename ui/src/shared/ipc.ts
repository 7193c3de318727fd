// The app's IPC commands, one typed function each. Argument names are camelCase: Tauri maps
// them to the Rust commands' snake_case parameters. Every rejection becomes a `CommandError`.

import { invoke, isTauri, type InvokeArgs } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import type { ConnectionReport } from "./bindings/ConnectionReport";
import type { Connected } from "./bindings/Connected";
import type { ContactProperties } from "./bindings/ContactProperties";
import type { Disconnected } from "./bindings/Disconnected";
import type { Field } from "./bindings/Field";
import type { FieldType } from "./bindings/FieldType";
import type { Mapping } from "./bindings/Mapping";
import type { MappingSaved } from "./bindings/MappingSaved";
import type { OAuthFinished } from "./bindings/OAuthFinished";
import type { OAuthStarted } from "./bindings/OAuthStarted";
import type { PastedTokenKind } from "./bindings/PastedTokenKind";
import type { Portal } from "./bindings/Portal";
import type { PortalSummary } from "./bindings/PortalSummary";
import type { PortalsOverview } from "./bindings/PortalsOverview";
import type { PushRules } from "./bindings/PushRules";
import type { WriteRule } from "./bindings/WriteRule";
import { CommandError, toCommandError } from "./portal";

export { CommandError, toCommandError };

/** The event an OAuth attempt ends with (`OAUTH_FINISHED` in src-tauri/src/commands.rs). */
export const OAUTH_FINISHED_EVENT = "oauth-finished";

/** HubSpot's API address; the base URL fields default to it. */
export const HUBSPOT_BASE_URL = "https://api.hubapi.com";

function outsideApp(): CommandError {
  return new CommandError(
    "ipc_unavailable",
    "This page is running outside the Hubsync app, so it cannot reach the app's portals.",
  );
}

/** Calls a command; a rejection arrives as a `CommandError`. Screens with their own ipc module use it. */
export async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  if (!isTauri()) throw outsideApp();
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toCommandError(error);
  }
}

/** The built-in sandbox portal: its address, id and contact count (waits while it starts). */
export function sandboxPortal(): Promise<PortalSummary> {
  return call("sandbox_portal");
}

/** Every portal the store knows, the active one first. */
export function portalsOverview(): Promise<PortalsOverview> {
  return call("portals_overview");
}

/** Makes a known portal the active one (the `use_portal` command). */
export function activatePortal(portalId: number): Promise<Portal> {
  return call("use_portal", { portalId });
}

/** Makes the built-in sandbox portal the active one (the `use_sandbox` command). */
export function activateSandbox(): Promise<Portal> {
  return call("use_sandbox");
}

export interface TokenConnection {
  baseUrl: string;
  token: string;
  kind: PastedTokenKind;
  /** Keep the token in a file readable by the user only when no keychain answers. */
  insecureFileStore: boolean;
}

/** Connects with a pasted private app token or service key; proven before it is saved. */
export function connectToken(connection: TokenConnection): Promise<Connected> {
  const { baseUrl, token, kind, insecureFileStore } = connection;
  return call("connect_token", { baseUrl, token, kind, insecureFileStore });
}

export interface OAuthConnection {
  baseUrl: string;
  /** The admin's own HubSpot app; `null` uses the built-in or the last one used. */
  clientId: string | null;
  clientSecret: string | null;
  insecureFileStore: boolean;
}

/** Starts connecting in the browser; the outcome arrives as the `oauth-finished` event. */
export function oauthStart(connection: OAuthConnection): Promise<OAuthStarted> {
  const { baseUrl, clientId, clientSecret, insecureFileStore } = connection;
  return call("oauth_start", { baseUrl, clientId, clientSecret, insecureFileStore });
}

/** Ends the OAuth attempt waiting for the browser, if any. */
export function oauthCancel(): Promise<void> {
  return call("oauth_cancel");
}

/** Test Connection on the active portal. */
export function testConnection(): Promise<ConnectionReport> {
  return call("test_connection");
}

/** Disconnects a portal (`null`: the active one); its rules and mappings are kept. */
export function disconnect(portalId: number | null): Promise<Disconnected> {
  return call("disconnect", { portalId });
}

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

/** The active portal's push rules. */
export function pushRules(): Promise<PushRules> {
  return call("push_rules");
}

/** Changes either push rule (`null` keeps it); create without update is refused. */
export function setPushRules(update: boolean | null, create: boolean | null): Promise<PushRules> {
  return call("set_push_rules", { update, create });
}

/** Calls `handler` with each `oauth-finished` event; resolves to the function that stops it. */
export async function onOAuthFinished(handler: (finished: OAuthFinished) => void): Promise<UnlistenFn> {
  if (!isTauri()) throw outsideApp();
  try {
    return await listen<OAuthFinished>(OAUTH_FINISHED_EVENT, (event) => {
      handler(event.payload);
    });
  } catch (error) {
    throw toCommandError(error);
  }
}

/** Opens the app's log folder in the file manager; resolves to where it is. */
export function openLogs(): Promise<string> {
  return call("open_logs");
}
