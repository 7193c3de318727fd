// Words for the portal facts and error codes the Rust side sends.

import type { Portal } from "../bindings/Portal";
import type { PortalStatus } from "../bindings/PortalStatus";
import type { TokenKind } from "../bindings/TokenKind";

export const numberFormat = new Intl.NumberFormat();

/** A count and its noun: "1 contact", "1,204 contacts". */
export function counted(count: number, one: string, many = `${one}s`): string {
  return `${numberFormat.format(count)} ${count === 1 ? one : many}`;
}

export function isSandbox(portal: Pick<Portal, "token_kind">): boolean {
  return portal.token_kind === "sandbox";
}

export function tokenKindLabel(kind: TokenKind): string {
  switch (kind) {
    case "oauth":
      return "OAuth (signed in through HubSpot)";
    case "private-app":
      return "Private app token";
    case "service-key":
      return "Service key";
    case "sandbox":
      return "Built-in sandbox portal";
  }
}

export function statusLabel(status: PortalStatus): string {
  switch (status) {
    case "connected":
      return "Connected";
    case "reconnect-needed":
      return "Reconnect needed";
    case "disconnected":
      return "Disconnected";
  }
}

/** Where a portal's token lives, in words. */
export function secretKeptIn(portal: Pick<Portal, "token_kind" | "secret_store">): string {
  if (isSandbox(portal)) return "Nowhere: the built-in portal's token belongs to the app";
  switch (portal.secret_store) {
    case "keychain":
      return "The system keychain";
    case "file":
      return "A file readable by you only (no keychain was available)";
  }
}

/** "2024-05-01T10:00:00Z" in the user's locale; the raw text when it isn't a date. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "2026-06-30T00:00:00Z" as the day it names, in the user's locale (UTC: HubSpot's dates are days). */
export function formatDay(iso: string, locale?: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleDateString(locale, { dateStyle: "medium", timeZone: "UTC" });
}

/**
 * An amount (a canonical decimal, `1250.5`) in its currency (ISO 4217) as the user's locale
 * writes money: "€1,250.50"; without a currency, as a number. A code Intl doesn't know, or an
 * amount that isn't a number, is shown as it is.
 */
export function formatAmount(amount: string, currency: string | null, locale?: string): string {
  const value = Number(amount);
  if (amount.trim() === "" || !Number.isFinite(value)) return currency === null ? amount : `${amount} ${currency}`;
  if (currency === null) return new Intl.NumberFormat(locale).format(value);
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(value);
  } catch {
    return `${new Intl.NumberFormat(locale).format(value)} ${currency}`;
  }
}

const NEXT_STEPS: Partial<Record<string, string>> = {
  ipc_unavailable: "Open Hubsync as the desktop app rather than in a browser.",
  keychain_unavailable:
    "Tick “Keep the token in a file if no keychain” and connect again, or start your desktop's keychain.",
  keychain_error: "Unlock your desktop's keychain and try again.",
  no_oauth_app:
    "Enter your HubSpot app's client ID and client secret (“How to create your own HubSpot app” on Connection shows how to make one).",
  invalid_client_id: "Copy the client ID again from the Auth tab of your HubSpot app.",
  client_secret_missing: "Enter the app's client secret as well; it is kept for the next connection.",
  invalid_token: "Copy the whole token from the private app's settings and paste it again.",
  not_connected: "Connect a portal below, or open the built-in sandbox portal.",
  reconnect_needed: "Connect this portal again below: its rules and mappings are still there.",
  oauth_timeout:
    "Start again and approve within five minutes; if HubSpot showed an error, check the app's redirect URLs.",
  oauth_denied: "Start again and approve the request on HubSpot's page.",
  oauth_port_busy: "Close the program using ports 42813–42815, then start again.",
  oauth_missing_scopes: "Add the missing scopes to your HubSpot app, then connect again.",
  domain_mapping_locked: "Companies are matched by their domain: fill other properties from other fields instead.",
  create_company_needs_associate: "Turn on associating leads with their companies first, then creating them.",
  missing_scopes:
    "Give the connection the scope first: for OAuth, connect the portal again and approve; for a private app token, add the scope in the app's settings in HubSpot and paste its token again. A stopped run's rows stay pending until then.",
  oauth_unreachable: "Check your internet connection and the base URL, then try again.",
  insecure_base_url:
    "Use an https:// address (HubSpot's is https://api.hubapi.com); http:// only reaches a portal on this computer.",
  portal_not_found: "Refresh the list of portals and pick another one.",
  sandbox_stopped: "Restart Hubsync to start the built-in sandbox portal again.",
  run_in_progress:
    "Another Hubsync (a `hubsync` command, or this app in another window) is writing to this portal. Let it finish, or stop it there, then try again.",
  lease_lost:
    "Another Hubsync took this run over after this one stopped answering; it finishes the run. Check History for its outcome.",
  wrong_portal:
    "The token answers for another HubSpot portal: connect the portal again with its own token, or connect the other portal as a portal of its own.",
  other_portal:
    "Open History from the portal the run was made with (Connection → switch portal), or connect it again at its original address.",
};

/** What to do about an error with this code, when there is something obvious to do. */
export function nextStep(code: string): string | undefined {
  return NEXT_STEPS[code];
}
