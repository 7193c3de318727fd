import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// Waits end when the awaited text appears; the long ceiling only matters on a loaded machine.
configure({ asyncUtilTimeout: 10_000 });

// Without vitest's globals, Testing Library can't register its own cleanup.
afterEach(() => {
  cleanup();
});

// jsdom lays nothing out: no ResizeObserver, no scrolling into view. The command palette
// (cmdk) calls both; sizes it would observe are all zero here anyway.
if (typeof globalThis.ResizeObserver === "undefined") {
  const nothing = () => undefined;
  globalThis.ResizeObserver = class {
    observe = nothing;
    unobserve = nothing;
    disconnect = nothing;
  };
}
if (typeof Element.prototype.scrollIntoView !== "function") {
  Element.prototype.scrollIntoView = () => undefined;
}
