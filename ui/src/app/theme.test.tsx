import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { useTheme } from "./theme";
import { ThemeSwitch } from "./ThemeSwitch";

function Harness() {
  const [choice, choose] = useTheme();
  return <ThemeSwitch choice={choice} choose={choose} />;
}

/** A system whose colour scheme the test sets and changes. */
function systemScheme(dark: boolean) {
  const listeners = new Set<() => void>();
  const query = {
    matches: dark,
    addEventListener: (_: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
  };
  vi.stubGlobal("matchMedia", () => query);
  return {
    change(next: boolean) {
      query.matches = next;
      for (const listener of listeners) listener();
    },
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
  window.localStorage.clear();
  delete document.documentElement.dataset.theme;
});

describe("the theme", () => {
  it("follows the system's scheme until one is picked, and as it changes", () => {
    const system = systemScheme(true);
    render(<Harness />);
    expect(screen.getByRole("button", { name: "System" }).getAttribute("aria-pressed")).toBe("true");
    expect(document.documentElement.dataset.theme).toBe("dark");
    system.change(false);
    expect(document.documentElement.dataset.theme).toBe("light");
  });

  it("keeps a picked theme over the system's, and remembers it", async () => {
    const user = userEvent.setup();
    const system = systemScheme(false);
    const { unmount } = render(<Harness />);
    await user.click(screen.getByRole("button", { name: "Dark" }));
    expect(document.documentElement.dataset.theme).toBe("dark");
    system.change(false);
    expect(document.documentElement.dataset.theme).toBe("dark");
    unmount();

    render(<Harness />);
    expect(screen.getByRole("button", { name: "Dark" }).getAttribute("aria-pressed")).toBe("true");
    await user.click(screen.getByRole("button", { name: "Light" }));
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});
