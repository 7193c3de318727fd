// A minimal W3C WebDriver client over fetch, and the page helpers the end-to-end flows use:
// click, type, select, wait for text, upload a file into an <input type=file> (native file
// dialogs can't be driven), and screenshots for the README.

import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {
  constructor(method, path, status, body) {
    const detail = body?.value?.message ?? JSON.stringify(body);
    super(`${method} ${path} -> HTTP ${status}: ${detail}`);
    this.name = "WebDriverError";
    this.error = body?.value?.error;
  }
}

// A driver or app that died mid-request must fail the step, not hang the suite: no WebDriver
// command here takes nearly this long (a new session starts the app in a few seconds).
const CALL_TIMEOUT_MS = 120_000;

async function call(baseUrl, method, path, body) {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
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

/**
 * Polls `check` until it returns something other than undefined, or fails after `timeoutMs`.
 * A `FatalPageError` from `check` ends the wait at once.
 */
export async function waitFor(description, check, { timeoutMs = 20_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error?.name === "FatalPageError") throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A reference to an element, as WebDriver takes it in a script's arguments. */
export function elementRef(elementId) {
  return { [ELEMENT_KEY]: elementId };
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

  /** The element matching `selector` (CSS, or XPath when it starts with `/` or `(`), or undefined when there is none (yet). */
  async find(selector) {
    const using = /^[/(]/.test(selector) ? "xpath" : "css selector";
    try {
      const value = await this.#call("POST", "/element", { using, value: selector });
      return value[ELEMENT_KEY];
    } catch (error) {
      if (error instanceof WebDriverError && error.error === "no such element") return undefined;
      throw error;
    }
  }

  click(elementId) {
    return this.#call("POST", `/element/${elementId}/click`, {});
  }

  /** Types `text` into the element as key presses (React sees each one). */
  sendKeys(elementId, text) {
    return this.#call("POST", `/element/${elementId}/value`, { text });
  }

  /** A DOM property of the element (`value`, `checked`, `disabled`, …). */
  property(elementId, name) {
    return this.#call("GET", `/element/${elementId}/property/${name}`);
  }

  text(elementId) {
    return this.#call("GET", `/element/${elementId}/text`);
  }

  /**
   * The rendered text of `selector`, or undefined when it is not on the page. The element is
   * scrolled into view first, as a person scrolls to read it: the window's content area scrolls,
   * and WebKit's driver reads an element outside its visible part as having no text.
   */
  async textOf(selector) {
    const element = await this.find(selector);
    if (element === undefined) return undefined;
    await this.execute('arguments[0].scrollIntoView({ block: "nearest" });', [{ [ELEMENT_KEY]: element }]);
    return this.text(element);
  }

  execute(script, args = []) {
    return this.#call("POST", "/execute/sync", { script, args });
  }

  /** Runs `script`, which ends by calling its last argument with the result (WebDriver's Execute Async Script). */
  executeAsync(script, args = []) {
    return this.#call("POST", "/execute/async", { script, args });
  }

  /** The window's outer size and place (WebDriver's window rect). */
  windowRect() {
    return this.#call("GET", "/window/rect");
  }

  /** Resizes the window (WebDriver's window rect). */
  setWindowRect(rect) {
    return this.#call("POST", "/window/rect", rect);
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

// ---- page helpers: each waits for its element, so flows read as steps ----

/** The element matching `selector`, once it is on the page. */
export function element(session, selector, timeoutMs) {
  return waitFor(`the element ${selector}`, () => session.find(selector), { timeoutMs });
}

/** An XPath literal for any text (quotes included). */
function xpathLiteral(text) {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return `concat("${text.replaceAll('"', '", \'"\', "')}")`;
}

/** The enabled button whose visible text is `text` (optionally inside `within`, an XPath). */
export function buttonByText(text, within = "") {
  return `${within}//button[normalize-space()=${xpathLiteral(text)} and not(@disabled)]`;
}

/** The form control a <label> with this text names (optionally inside `within`, an XPath). */
export function controlByLabel(text, within = "") {
  return `//*[@id=${within}//label[normalize-space()=${xpathLiteral(text)}]/@for]`;
}

/** Clicks the element once it is there (and, for a button, enabled). */
export async function click(session, selector) {
  await session.click(await element(session, selector));
}

// WebDriver key codes: Control, then the Null key that releases it, then Backspace.
const SELECT_ALL_AND_DELETE = "\uE009a\uE000\uE003";

/**
 * Types into an input, after clearing it unless `{ clear: false }`. It clears as a person
 * does, selecting the text and deleting it: WebDriver's Element Clear changes the DOM without
 * an `input` event, so React kept the old value and put it back on its next render (the CI
 * run that read "partnerenterprise" after "enterprise" was typed over "partner").
 */
export async function type(session, selector, text, { clear = true } = {}) {
  const id = await element(session, selector);
  if (clear && (await session.property(id, "value")) !== "") {
    await session.sendKeys(id, SELECT_ALL_AND_DELETE);
    const left = await session.property(id, "value");
    if (left !== "") throw new Error(`${selector}: select-all and delete left ${JSON.stringify(left)}`);
  }
  await session.sendKeys(id, text);
}

/**
 * Picks an option of a <select> as a person does: a click on the option (WebDriver's element
 * click selects it, as choosing it in the open list would). `value` is the option's value.
 */
export async function pick(session, selector, value) {
  const option = selector.startsWith("/")
    ? `${selector}//option[@value=${xpathLiteral(value)}]`
    : `${selector} option[value=${JSON.stringify(value)}]`;
  await waitFor(`${selector} to be enabled`, async () =>
    (await session.execute("return !arguments[0].matches(':disabled');", [elementRef(await element(session, selector))]))
      ? true
      : undefined,
  );
  await click(session, option);
  await waitFor(`${selector} to hold ${value}`, async () =>
    (await session.property(await element(session, selector), "value")) === value ? true : undefined,
  );
}

/** Empties a text field as a person does: select all, delete. */
export async function clear(session, selector) {
  const id = await element(session, selector);
  if ((await session.property(id, "value")) !== "") await session.sendKeys(id, SELECT_ALL_AND_DELETE);
}

/**
 * Sets a control's value the way a person's change would reach React: through the native
 * setter, then `input` and `change` events. For <select> (one value or, for a multiple one, a
 * list) only where no person picks (none left in the flows: `pick` clicks the option), and for
 * text too long to type key by key (a <textarea> of thousands of pasted emails).
 */
export async function setValue(session, selector, value) {
  const id = await element(session, selector);
  // A person can't change a disabled control (a form is disabled while a job runs); set by
  // script it would change the DOM and React would put its own value back.
  await waitFor(`${selector} to be enabled`, async () =>
    (await session.execute("return !arguments[0].matches(':disabled');", [elementRef(id)])) ? true : undefined,
  );
  const problem = await session.execute(
    `const [el, value] = arguments;
     if (el instanceof HTMLSelectElement) {
       const wanted = Array.isArray(value) ? value : [value];
       const missing = wanted.filter((v) => ![...el.options].some((o) => o.value === v));
       if (missing.length > 0) return "no option " + missing.join(", ") + " in " + [...el.options].map((o) => o.value).join(", ");
       if (el.multiple) for (const o of el.options) o.selected = wanted.includes(o.value);
       else Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set.call(el, wanted[0]);
     } else {
       const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
       Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
     }
     el.dispatchEvent(new Event("input", { bubbles: true }));
     el.dispatchEvent(new Event("change", { bubbles: true }));
     return null;`,
    [elementRef(id), value],
  );
  if (problem !== null) throw new Error(`${selector}: ${problem}`);
}

/**
 * Puts a file into an <input type=file> as if the user had picked it: a script builds a
 * DataTransfer holding a File with `text` and dispatches `change`.
 */
export async function uploadFile(session, selector, fileName, text, mimeType = "application/json") {
  const id = await element(session, selector);
  await session.execute(
    `const [el, name, text, type] = arguments;
     const files = new DataTransfer();
     files.items.add(new File([text], name, { type }));
     el.files = files.files;
     el.dispatchEvent(new Event("change", { bubbles: true }));`,
    [elementRef(id), fileName, text, mimeType],
  );
}

/**
 * Waits until the text of `selector` satisfies `expected` (a RegExp, a string it must
 * contain, or a predicate) and returns it. A UI error on screen (`[role=alert]`) fails fast.
 */
export async function waitForText(session, selector, expected, { timeoutMs = 20_000, failOnAlert = true } = {}) {
  const matches =
    expected instanceof RegExp
      ? (text) => expected.test(text)
      : typeof expected === "function"
        ? expected
        : (text) => text.includes(expected);
  let last;
  try {
    return await waitFor(
      `${selector} to show ${String(expected)}`,
      async () => {
        last = await session.textOf(selector);
        if (last !== undefined && matches(last)) return last;
        if (failOnAlert) {
          const alert = await session.textOf('[role="alert"]');
          if (alert !== undefined && alert.trim() !== "") throw new FatalPageError(alert);
        }
        return undefined;
      },
      { timeoutMs },
    );
  } catch (error) {
    if (last !== undefined && !(error instanceof FatalPageError)) error.message += `; it showed: ${JSON.stringify(last)}`;
    throw error;
  }
}

/** An error the page shows: no point waiting longer. */
export class FatalPageError extends Error {
  constructor(alert) {
    super(`the page shows an error: ${alert}`);
    this.name = "FatalPageError";
  }
}

/** The value (or another DOM property) of the control at `selector`. */
export async function valueOf(session, selector, name = "value") {
  return session.property(await element(session, selector), name);
}

/**
 * Saves a PNG of the window as `<name>.png` in the folder HUBSYNC_E2E_SCREENSHOTS names
 * (tests/e2e/screenshots.sh sets it to docs/screenshots); without it, nothing is written so
 * test runs leave the tree clean. `scrollTo` (a selector) first scrolls that element to the
 * window's top (`block` "start") or bottom ("end"). Returns the path, or undefined.
 */
export async function screenshot(session, name, { scrollTo, block = "start" } = {}) {
  const folder = process.env.HUBSYNC_E2E_SCREENSHOTS;
  if (!folder) return undefined;
  if (scrollTo !== undefined) {
    // The window's content area scrolls, not the window: the element is brought into view there.
    await session.execute(
      `const [el, block] = arguments;
       el.scrollIntoView({ block: block === "end" ? "end" : "start" });`,
      [elementRef(await element(session, scrollTo)), block],
    );
  }
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${name}.png`);
  await writeFile(path, await session.screenshot());
  console.log(`screenshot: ${path}`);
  return path;
}

/**
 * The processes of `appBinary` still alive that run with `dataHome` as their `XDG_DATA_HOME`:
 * the app a session started with a throwaway data folder, so no other Hubsync is touched.
 */
function appsOf(appBinary, dataHome) {
  if (!dataHome) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
        const environment = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
        return command === appBinary && environment.includes(`XDG_DATA_HOME=${dataHome}`);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

/**
 * Ends what `appsOf` finds (politely, then not) and waits until none is left: a driver that dies
 * while closing its session, or a session just closed, can leave the app running, holding the
 * display and writing to its data folder. Resolves to the pids it found.
 */
export async function stopApps(appBinary, dataHome) {
  const found = appsOf(appBinary, dataHome);
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    if (appsOf(appBinary, dataHome).length === 0) break;
    for (const pid of appsOf(appBinary, dataHome)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    for (let waited = 0; waited < 5_000 && appsOf(appBinary, dataHome).length > 0; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return found;
}

/** A TCP port that was free a moment ago, so parallel runs don't fight over 4444/4445. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
