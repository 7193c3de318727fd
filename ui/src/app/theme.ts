// The window's theme: the system's (light or dark, followed as it changes), or one the admin
// picked, remembered on this computer. The theme in force sits on <html data-theme>, which the
// stylesheets read; one place decides it, so the CSS holds each palette once.

import { useCallback, useEffect, useState } from "react";

export type ThemeChoice = "system" | "light" | "dark";

export const THEME_CHOICES: readonly { choice: ThemeChoice; label: string }[] = [
  { choice: "system", label: "System" },
  { choice: "light", label: "Light" },
  { choice: "dark", label: "Dark" },
];

const STORAGE_KEY = "hubsync.theme";
const SYSTEM_DARK = "(prefers-color-scheme: dark)";

function isThemeChoice(value: unknown): value is ThemeChoice {
  return value === "system" || value === "light" || value === "dark";
}

/** The remembered choice; "system" when none is, or when storage can't be read. */
export function rememberedTheme(): ThemeChoice {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    return isThemeChoice(saved) ? saved : "system";
  } catch {
    return "system";
  }
}

function systemIsDark(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia(SYSTEM_DARK).matches;
}

/** Puts the theme `choice` means now on the page. */
export function applyTheme(choice: ThemeChoice): void {
  const dark = choice === "dark" || (choice === "system" && systemIsDark());
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

/** The theme choice, applied and remembered whenever it changes; "system" follows the system. */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(rememberedTheme);
  useEffect(() => {
    applyTheme(choice);
    if (choice !== "system" || typeof window.matchMedia !== "function") return;
    const query = window.matchMedia(SYSTEM_DARK);
    const follow = () => {
      applyTheme("system");
    };
    query.addEventListener("change", follow);
    return () => {
      query.removeEventListener("change", follow);
    };
  }, [choice]);
  const choose = useCallback((next: ThemeChoice) => {
    setChoice(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage refused: the choice holds until the window closes.
    }
  }, []);
  return [choice, choose];
}
