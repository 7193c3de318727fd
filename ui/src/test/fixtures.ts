import type { Portal } from "../bindings/Portal";

export function portal(overrides: Partial<Portal> = {}): Portal {
  return {
    portal_id: 4_412_345,
    name: "acme.hubspot.com",
    hub_domain: "acme.hubspot.com",
    user_email: "admin@acme.test",
    scopes: ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read", "oauth"],
    token_kind: "oauth",
    base_url: "https://api.hubapi.com",
    client_id: "abc-123",
    secret_store: "keychain",
    status: "connected",
    status_detail: null,
    active: true,
    connected_at: "2025-01-15T09:30:00Z",
    daily_reserve_percent: 10,
    account_type: "STANDARD",
    environment: "production",
    checked_at: "2025-01-15T09:30:00Z",
    check_passed: true,
    ...overrides,
  };
}

export const sandboxPortal: Portal = portal({
  portal_id: 100_200,
  name: "Built-in sandbox portal",
  hub_domain: "sandbox.localhost",
  user_email: "",
  scopes: [],
  token_kind: "sandbox",
  base_url: "http://127.0.0.1:40123",
  client_id: null,
  account_type: null,
  environment: "builtin-sandbox",
});

/** A promise the test settles when it chooses. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
