// The Connection screen's commands (src-tauri/src/commands/portals.rs): portals, connecting, testing,
// disconnecting, and the OAuth flow's ending event.

import type { UnlistenFn } from "@tauri-apps/api/event";

import type { Connected } from "../bindings/Connected";
import type { DailyUse } from "../bindings/DailyUse";
import type { ConnectionReport } from "../bindings/ConnectionReport";
import type { Disconnected } from "../bindings/Disconnected";
import type { OAuthFinished } from "../bindings/OAuthFinished";
import type { OAuthStarted } from "../bindings/OAuthStarted";
import type { PastedTokenKind } from "../bindings/PastedTokenKind";
import type { Portal } from "../bindings/Portal";
import type { PortalsOverview } from "../bindings/PortalsOverview";
import type { PortalSummary } from "../bindings/PortalSummary";
import { call, listenTo } from "../shared/ipc";

/** The event an OAuth attempt ends with (`OAUTH_FINISHED` in src-tauri/src/commands/portals.rs). */
export const OAUTH_FINISHED_EVENT = "oauth-finished";

/** HubSpot's API address; the base URL fields default to it. */
export const HUBSPOT_BASE_URL = "https://api.hubapi.com";

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

/** The active portal's daily API use as HubSpot last stated it, or `null` before it did. */
export function dailyUse(): Promise<DailyUse | null> {
  return call("daily_use");
}

/** Sets the share of the active portal's daily limit (percent) kept for its other apps. */
export function setDailyReserve(percent: number): Promise<Portal> {
  return call("set_daily_reserve", { percent });
}

/** Calls `handler` with each `oauth-finished` event; resolves to the function that stops it. */
export function onOAuthFinished(handler: (finished: OAuthFinished) => void): Promise<UnlistenFn> {
  return listenTo(OAUTH_FINISHED_EVENT, handler);
}
