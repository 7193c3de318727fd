// A minimal W3C WebDriver client over fetch: just what the window test needs.

const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {
  constructor(method, path, status, body) {
    const detail = body?.value?.message ?? JSON.stringify(body);
    super(`${method} ${path} -> HTTP ${status}: ${detail}`);
    this.name = "WebDriverError";
    this.error = body?.value?.error;
  }
}

async function call(baseUrl, method, path, body) {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { value: { message: text } };
  }
  if (!response.ok) throw new WebDriverError(method, path, response.status, json);
  return json.value;
}

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function waitFor(description, check, { timeoutMs = 20_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export class Session {
  static async create(baseUrl, capabilities) {
    const value = await call(baseUrl, "POST", "/session", {
      capabilities: { alwaysMatch: capabilities },
    });
    return new Session(baseUrl, value.sessionId);
  }

  constructor(baseUrl, id) {
    this.baseUrl = baseUrl;
    this.id = id;
  }

  #call(method, path, body) {
    return call(this.baseUrl, method, `/session/${this.id}${path}`, body);
  }

  /** The element matching `selector`, or undefined when there is none (yet). */
  async find(selector) {
    try {
      const value = await this.#call("POST", "/element", { using: "css selector", value: selector });
      return value[ELEMENT_KEY];
    } catch (error) {
      if (error instanceof WebDriverError && error.error === "no such element") return undefined;
      throw error;
    }
  }

  text(elementId) {
    return this.#call("GET", `/element/${elementId}/text`);
  }

  /** The rendered text of `selector`, or undefined when it is not on the page. */
  async textOf(selector) {
    const element = await this.find(selector);
    return element === undefined ? undefined : this.text(element);
  }

  execute(script, args = []) {
    return this.#call("POST", "/execute/sync", { script, args });
  }

  title() {
    return this.#call("GET", "/title");
  }

  /** A PNG of the window, as a Buffer. */
  async screenshot() {
    return Buffer.from(await this.#call("GET", "/screenshot"), "base64");
  }

  async delete() {
    await this.#call("DELETE", "");
  }
}
