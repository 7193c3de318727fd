import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// Waits end when the awaited text appears; the long ceiling only matters on a loaded machine.
configure({ asyncUtilTimeout: 10_000 });

// Without vitest's globals, Testing Library can't register its own cleanup.
afterEach(() => {
  cleanup();
});
