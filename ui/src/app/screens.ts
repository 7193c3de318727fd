// The app's screens, in the order the left navigation lists them; the command palette and the
// Ctrl/Cmd+digit shortcuts use the same list, so the three never disagree.

export type Screen =
  | "overview"
  | "leads"
  | "sync"
  | "history"
  | "schedules"
  | "connection"
  | "mapping"
  | "companies"
  | "fields"
  | "push-rules"
  | "pull-rules"
  | "guardrails";

export interface ScreenEntry {
  screen: Screen;
  label: string;
  /** The navigation group it sits in: daily work first, then setup. */
  group: "work" | "setup";
  /** What the palette finds it by besides its label. */
  keywords: string;
}

export const SCREENS: readonly ScreenEntry[] = [
  { screen: "overview", label: "Overview", group: "work", keywords: "home dashboard health api use checklist" },
  { screen: "leads", label: "Leads", group: "work", keywords: "lead store table import csv add export" },
  { screen: "sync", label: "Sync", group: "work", keywords: "push pull preview run" },
  { screen: "history", label: "History", group: "work", keywords: "runs undo failed rows retry held approve refuse" },
  {
    screen: "schedules",
    label: "Schedules",
    group: "work",
    keywords: "schedule timer every daily weekdays automatic pause",
  },
  { screen: "connection", label: "Connection", group: "setup", keywords: "portal connect oauth token disconnect test" },
  { screen: "mapping", label: "Mapping", group: "setup", keywords: "fields properties write rule" },
  {
    screen: "companies",
    label: "Companies",
    group: "setup",
    keywords: "company mapping domain company fields properties",
  },
  { screen: "fields", label: "Data model", group: "setup", keywords: "custom field lead fields" },
  { screen: "push-rules", label: "Push rules", group: "setup", keywords: "create update contacts" },
  { screen: "pull-rules", label: "Pull rules", group: "setup", keywords: "filter import contacts conditions" },
  {
    screen: "guardrails",
    label: "Guardrails",
    group: "setup",
    keywords: "limits creates overwrites archives failed share held approval",
  },
];

/** The screen Ctrl/Cmd+`digit` opens: the nth of the list, 1 to 9 (a tenth and later have none). */
export function screenOfDigit(digit: string): Screen | undefined {
  return /^[1-9]$/.test(digit) ? SCREENS[Number(digit) - 1]?.screen : undefined;
}

/** "Ctrl" or "⌘", as the platform's menus say it. */
export function modKeyLabel(): string {
  return /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘" : "Ctrl";
}
