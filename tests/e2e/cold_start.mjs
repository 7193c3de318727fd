// How long the app takes from its launch to a window a person can use: the Connection screen
// with its "Test connection" button enabled, the built-in sandbox portal active. Each start
// goes through tauri-driver, which launches the app as a WebDriver session: the time runs from
// asking for the session to that button, so it includes WebKitWebDriver's own start and is an
// upper bound of the app's. First starts get a new data folder each (the store made, the
// sandbox portal seeded); later starts reuse the last one's. Prints the figures; checks nothing.
//
// Run by scripts/bench-cold-start.sh (which builds the app and sets HUBSYNC_APP_BINARY), under
// a virtual X server. RUNS (default 5) sets the number of starts of each kind.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { Session, freePort, stopApps, waitFor } from "./webdriver.mjs";

const APP_BINARY = process.env.HUBSYNC_APP_BINARY;
const RUNS = Number(process.env.RUNS ?? "5");
const TARGET_SECONDS = 1.5;
// The Connection screen's button, enabled once the active portal is known.
const READY = '//button[normalize-space()="Test connection" and not(@disabled)]';

/** Starts tauri-driver with the app's data in `home`; resolves to its base URL and process. */
async function startDriver(home) {
  const [port, nativePort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    // WebKit's processes outlive the app until the X server ends, writing their shader caches:
    // the script keeps the caches in a folder of its own, removed once Xvfb is gone.
    XDG_CACHE_HOME: process.env.HUBSYNC_BENCH_CACHE_HOME ?? join(home, "cache"),
  };
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: "ignore",
    env,
  });
  const exited = new Promise((resolve) => driver.once("exit", resolve));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor("tauri-driver to accept connections", async () => {
    if (driver.exitCode !== null) throw new Error("tauri-driver exited");
    try {
      return (await fetch(`${baseUrl}/status`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return { baseUrl, stop: async () => (driver.exitCode === null ? (driver.kill("SIGTERM"), exited) : exited) };
}

/** One start: seconds from asking for the session to the usable window. */
async function start(baseUrl) {
  const began = performance.now();
  const session = await Session.create(baseUrl, { "tauri:options": { application: APP_BINARY } });
  try {
    await waitFor("the Connection screen to be usable", () => session.find(READY), {
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    return (performance.now() - began) / 1000;
  } finally {
    await session.delete();
  }
}

/** Removes the starts' data folders (their apps ended). */
function removeHomes(homes) {
  for (const home of homes) rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

function summary(label, seconds) {
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const max = sorted.at(-1);
  const verdict = median < TARGET_SECONDS ? "met" : "NOT met";
  return `  ${label.padEnd(46)} median ${median.toFixed(2)} s, max ${max.toFixed(2)} s over ${seconds.length} (${seconds
    .map((s) => s.toFixed(2))
    .join(", ")})   target < ${TARGET_SECONDS} s: ${verdict}`;
}

async function main() {
  if (!APP_BINARY) throw new Error("HUBSYNC_APP_BINARY must name the built app");
  const first = [];
  const again = [];
  const homes = [];
  for (let i = 0; i < RUNS; i++) {
    const home = mkdtempSync(join(tmpdir(), "hubsync-cold-start-"));
    homes.push(home);
    const driver = await startDriver(home);
    try {
      first.push(await start(driver.baseUrl));
      again.push(await start(driver.baseUrl));
    } finally {
      await driver.stop();
      await stopApps(APP_BINARY, join(home, "data"));
    }
  }
  removeHomes(homes);
  const build = process.env.HUBSYNC_APP_PROFILE ?? "the app";
  console.log(`cold start benchmark: ${build} build, launch to a usable Connection screen through tauri-driver`);
  console.log(summary("first start (new store, sandbox portal seeded)", first));
  console.log(summary("a later start (the store and portal kept)", again));
}

await main();
