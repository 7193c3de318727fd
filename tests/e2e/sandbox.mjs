// The sandbox portals' HubSpot-compatible API, read directly: what the app shows (or wrote) is
// checked against the portal itself. The built-in portal's banner shows its base URL; it has no
// control API. For faults and fixtures the flows start a standalone `hubsync-sandbox` of their own
// (`startStandaloneSandbox`), whose control API answers to the secret it prints at start.

import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createInterface } from "node:readline";

/** Must match SANDBOX_TOKEN in src-tauri/src/portal.rs. */
export const SANDBOX_TOKEN = "pat-sandbox-hubsync-desktop";

/** Tries of a request the portal keeps refusing with a 429, a second apart: past its 10-second window. */
const RATE_LIMITED_ATTEMPTS = 15;

/** The header that carries a standalone sandbox's control secret. */
const CONTROL_SECRET_HEADER = "x-hubsync-sandbox-secret";

export class SandboxApi {
  #controlSecret;

  /** `token` reads and writes through HubSpot's API; `controlSecret`, when given, opens the control API. */
  constructor(baseUrl, { token = SANDBOX_TOKEN, controlSecret } = {}) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.#controlSecret = controlSecret;
  }

  async #call(method, path, body, headers = { authorization: `Bearer ${this.token}` }) {
    // The portal's rate limits apply to the test's reads too: a 429 waits for its window (10
    // seconds at the most) and tries again, as HubSpot's own clients do.
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(new URL(path, this.baseUrl), {
        method,
        // A sandbox that stopped answering fails the step instead of hanging the suite.
        signal: AbortSignal.timeout(60_000),
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status === 429 && attempt < RATE_LIMITED_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      if (!response.ok) throw new Error(`${method} ${path} -> HTTP ${response.status}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    }
  }

  #control(method, path, body) {
    if (this.#controlSecret === undefined) throw new Error(`${this.baseUrl} has no control API (the built-in portal never has one)`);
    return this.#call(method, `/__sandbox${path}`, body, { [CONTROL_SECRET_HEADER]: this.#controlSecret });
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

  /**
   * One contact by email, with `properties`, or undefined: a batch read by email, which sees a
   * write at once (search lags writes by a few seconds, in HubSpot as in the sandbox).
   */
  async contactByEmail(email, properties = []) {
    const { results } = await this.#call("POST", "/crm/v3/objects/contacts/batch/read", {
      idProperty: "email",
      inputs: [{ id: email }],
      properties: ["email", ...properties],
    });
    return results[0];
  }

  /**
   * Waits until search has caught up with the writes made so far: the sandbox's search, like
   * HubSpot's, lags writes (`--search-delay-ms`, 3 s by default).
   */
  async searchCaughtUp(lagMs = 3_000) {
    await new Promise((resolve) => setTimeout(resolve, lagMs + 500));
  }

  /**
   * The records of `toType` (companies, deals) contact `contactId` is associated with, as
   * associations v4 gives them: `[{ toObjectId, associationTypes: [{ category, typeId, label }] }]`.
   */
  async associationsOf(contactId, toType) {
    const { results } = await this.#call("GET", `/crm/v4/objects/contacts/${contactId}/associations/${toType}`);
    return results;
  }

  /** The companies whose domain is `domain`, as search finds them (it lags writes). */
  async companiesByDomain(domain) {
    const { results } = await this.#call("POST", "/crm/v3/objects/companies/search", {
      filterGroups: [{ filters: [{ propertyName: "domain", operator: "EQ", value: domain }] }],
      properties: ["domain", "name"],
      limit: 10,
    });
    return results;
  }

  /** One record of `type` (companies, deals) by id, with `properties`. */
  record(type, id, properties) {
    return this.#call("GET", `/crm/v3/objects/${type}/${id}?properties=${properties.map(encodeURIComponent).join(",")}`);
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

  /** Every page of a list endpoint (`path` with its query, without `after`). */
  async #everyPage(path) {
    const results = [];
    let after;
    do {
      const page = await this.#call("GET", after === undefined ? path : `${path}&after=${encodeURIComponent(after)}`);
      results.push(...page.results);
      after = page.paging?.next?.after;
    } while (after !== undefined);
    return results;
  }

  /** The portal's owners: the active ones, or with `archived` the deactivated ones. */
  owners({ archived = false } = {}) {
    return this.#everyPage(`/crm/v3/owners?${new URLSearchParams({ limit: "100", archived: String(archived) })}`);
  }

  /**
   * Every contact, archived ones too, with `email` and `properties`: the portal's own records
   * through HubSpot's list API, not a search (which may lag).
   */
  async dumpContacts(properties = []) {
    const query = (archived) =>
      new URLSearchParams({ limit: "100", archived: String(archived), properties: ["email", ...properties].join(",") });
    const live = await this.#everyPage(`/crm/v3/objects/contacts?${query(false)}`);
    const archived = await this.#everyPage(`/crm/v3/objects/contacts?${query(true)}`);
    return [...live, ...archived];
  }

  /** Every contact property the portal defines. */
  async properties() {
    return (await this.#call("GET", "/crm/v3/properties/contacts")).results;
  }

  /** Sets the fault injection (`latencyMs`, `paths`, …; `{}` turns every fault off). Standalone only. */
  setFaults(config) {
    return this.#control("PUT", "/faults", config);
  }

  /** Adds a fixture's records (a property definition with the same name replaces the old one). Standalone only. */
  loadFixture(fixture) {
    return this.#control("POST", "/fixture", fixture);
  }
}

/**
 * Starts `binary` (a `hubsync-sandbox`) on a free port with `args`, its log in `logPath`, and
 * reads the two lines it prints: its address and its control secret. Returns `{ baseUrl,
 * controlSecret, stop }`; `stop()` ends it (Ctrl-C, then SIGKILL).
 */
export async function startStandaloneSandbox(binary, args, logPath) {
  const log = openSync(logPath, "w");
  const child = spawn(binary, ["--port", "0", ...args], { stdio: ["ignore", "pipe", log] });
  closeSync(log);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const lines = createInterface({ input: child.stdout });
  const printed = {};
  const started = new Promise((resolve, reject) => {
    child.once("error", reject);
    exited.then((code) => reject(new Error(`${binary} exited (${code}) before it listened; see ${logPath}`)));
    lines.on("line", (line) => {
      const listening = /^listening on (http:\/\/\S+)$/.exec(line);
      const secret = /^control secret: (\S+)$/.exec(line);
      if (listening) printed.baseUrl = listening[1];
      if (secret) printed.controlSecret = secret[1];
      if (printed.baseUrl && printed.controlSecret) resolve(printed);
    });
  });
  const timeout = new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`${binary} printed no address and secret within 30 s; see ${logPath}`)), 30_000).unref();
  });
  try {
    const { baseUrl, controlSecret } = await Promise.race([started, timeout]);
    return { baseUrl, controlSecret, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
