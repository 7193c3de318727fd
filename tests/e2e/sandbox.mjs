// The built-in sandbox portal's HubSpot-compatible API, read directly: what the app shows (or
// wrote) is checked against the portal itself. The banner shows the base URL.

/** Must match SANDBOX_TOKEN in src-tauri/src/portal.rs. */
export const SANDBOX_TOKEN = "pat-sandbox-hubsync-desktop";

export class SandboxApi {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
  }

  async #call(method, path, body) {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      // A sandbox that stopped answering fails the step instead of hanging the suite.
      signal: AbortSignal.timeout(60_000),
      headers: {
        authorization: `Bearer ${SANDBOX_TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} -> HTTP ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** A search (`filterGroups`, `properties`, `limit`, …): `{ total, results, paging }`. */
  searchContacts(body) {
    return this.#call("POST", "/crm/v3/objects/contacts/search", body);
  }

  /** How many contacts match all `filters` (`[]`: every contact). */
  async countContacts(filters = []) {
    const { total } = await this.searchContacts(filters.length ? { filterGroups: [{ filters }], limit: 1 } : { limit: 1 });
    return total;
  }

  /** One contact by email, with `properties`, or undefined. */
  async contactByEmail(email, properties = []) {
    const { results } = await this.searchContacts({
      filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: email }] }],
      properties: ["email", ...properties],
      limit: 1,
    });
    return results[0];
  }

  /** Every contact matching all `filters`, with `properties`, read page by page. */
  async allContacts(filters, properties = []) {
    const contacts = [];
    let after;
    do {
      const page = await this.searchContacts({
        filterGroups: [{ filters }],
        properties: ["email", ...properties],
        limit: 100,
        ...(after === undefined ? {} : { after }),
      });
      contacts.push(...page.results);
      after = page.paging?.next?.after;
    } while (after !== undefined);
    return contacts;
  }

  /** Creates a contact with these properties; returns it (its `id`). */
  createContact(properties) {
    return this.#call("POST", "/crm/v3/objects/contacts", { properties });
  }

  /** The portal's owners: the active ones, or with `archived` the deactivated ones. */
  async owners({ archived = false } = {}) {
    const owners = [];
    let after;
    do {
      const query = new URLSearchParams({ limit: "100", archived: String(archived) });
      if (after !== undefined) query.set("after", after);
      const page = await this.#call("GET", `/crm/v3/owners?${query}`);
      owners.push(...page.results);
      after = page.paging?.next?.after;
    } while (after !== undefined);
    return owners;
  }

  /** Every contact, archived ones too, with every stored property: the portal's own records, not a search (which may lag). */
  async dumpContacts() {
    return (await this.#call("GET", "/__sandbox/contacts")).results;
  }

  /** Sets the fault injection (`latencyMs`, `paths`, …; `{}` turns every fault off). */
  setFaults(config) {
    return this.#call("PUT", "/__sandbox/faults", config);
  }

  /** Adds a fixture's records (a property definition with the same name replaces the old one). */
  loadFixture(fixture) {
    return this.#call("POST", "/__sandbox/fixture", fixture);
  }

  /** Every contact property the portal defines. */
  async properties() {
    return (await this.#call("GET", "/crm/v3/properties/contacts")).results;
  }
}
