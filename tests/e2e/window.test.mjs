// End-to-end test of the real app window: the binary (built with the UI embedded) runs under
// tauri-driver + WebKitWebDriver, and the test reads what the page shows. Run it through
// tests/e2e/run.sh, which builds the app and provides the X server and the environment below.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Session, waitFor } from "./webdriver.mjs";

const APP_BINARY = process.env.HUBSYNC_APP_BINARY;
const SCREENSHOT = process.env.HUBSYNC_E2E_SCREENSHOT ?? join(tmpdir(), "hubsync-e2e-window.png");
const DRIVER_LOG = process.env.HUBSYNC_E2E_DRIVER_LOG ?? join(tmpdir(), "hubsync-e2e-driver.log");
// Must match SANDBOX_TOKEN and SEED_CONTACTS in src-tauri/src/portal.rs.
const SANDBOX_TOKEN = "pat-sandbox-hubsync-desktop";
const SEED_CONTACTS = 250;

/** A TCP port that was free a moment ago, so parallel runs don't fight over 4444/4445. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

describe("app window", { timeout: 120_000 }, () => {
  let driver;
  let driverExit;
  let session;

  before(async () => {
    assert.ok(APP_BINARY, "HUBSYNC_APP_BINARY must name the built app (tests/e2e/run.sh sets it)");
    const port = await freePort();
    const nativePort = await freePort();
    const log = createWriteStream(DRIVER_LOG);
    driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    driver.stdout.pipe(log);
    driver.stderr.pipe(log);
    driverExit = new Promise((resolve) => driver.once("exit", resolve));
    driver.once("error", (error) => log.write(`failed to start tauri-driver: ${error.message}\n`));

    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor("tauri-driver to accept connections", async () => {
      if (driver.exitCode !== null) throw new Error(`tauri-driver exited; see ${DRIVER_LOG}`);
      const response = await fetch(`${baseUrl}/status`);
      return response.ok ? true : undefined;
    });
    session = await Session.create(baseUrl, { "tauri:options": { application: APP_BINARY } });
  });

  after(async () => {
    if (session) {
      try {
        await session.delete();
      } catch (error) {
        console.error(`closing the WebDriver session failed: ${error.message}`);
      }
    }
    // No pid: spawning failed, so there is no process (and no exit event) to wait for.
    if (driver?.pid !== undefined && driver.exitCode === null) {
      driver.kill("SIGTERM");
      await driverExit;
    }
  });

  it("loads the UI embedded in the binary, not from a dev server", async () => {
    const href = await session.execute("return window.location.href");
    assert.match(href, /^(tauri:\/\/localhost|http:\/\/tauri\.localhost)(\/|$)/);
    assert.equal(await session.title(), "Hubsync");
    assert.equal(await waitFor("the app heading", () => session.textOf("h1")), "Hubsync");
  });

  it("shows the built-in sandbox portal from the Rust side", async () => {
    const portalId = await waitFor("the sandbox banner", async () => {
      const error = await session.textOf('[data-testid="sandbox-error"]');
      if (error !== undefined) throw new assert.AssertionError({ message: `UI error: ${error}` });
      return session.textOf('[data-testid="portal-id"]');
    }).catch(async (error) => {
      await saveScreenshot();
      throw error;
    });

    const banner = await session.textOf('[data-testid="sandbox-banner"]');
    assert.match(banner, /^Sandbox portal/);
    assert.match(portalId, /^[1-9]\d*$/, "portal id is a positive integer");
    assert.equal(await session.textOf('[data-testid="contact-count"]'), String(SEED_CONTACTS));
    const baseUrl = await session.textOf('[data-testid="base-url"]');
    assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);

    await saveScreenshot();

    // The portal on screen is a live server holding the contacts the banner counts.
    const response = await fetch(`${baseUrl}/crm/v3/objects/contacts/search`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SANDBOX_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ limit: 1 }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const { total } = await response.json();
    assert.equal(total, SEED_CONTACTS);
  });

  async function saveScreenshot() {
    await writeFile(SCREENSHOT, await session.screenshot());
    console.log(`screenshot: ${SCREENSHOT}`);
  }
});
