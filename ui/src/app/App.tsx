import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { PortalsOverview } from "../bindings/PortalsOverview";
import { CompaniesScreen } from "../companies/CompaniesScreen";
import { ConnectionScreen } from "../connection/ConnectionScreen";
import { portalsOverview, sandboxPortal } from "../connection/ipc";
import { FieldsScreen } from "../fields/FieldsScreen";
import { GuardrailsScreen } from "../guardrails/GuardrailsScreen";
import { HistoryScreen } from "../history/HistoryScreen";
import { LeadsScreen } from "../leads/LeadsScreen";
import { MappingScreen } from "../mapping/MappingScreen";
import { OverviewScreen } from "../overview/OverviewScreen";
import { PullRulesScreen } from "../pullrules/PullRulesScreen";
import { PushRulesScreen } from "../pushrules/PushRulesScreen";
import { SchedulesScreen } from "../schedules/SchedulesScreen";
import { ActivePortalContext } from "../shared/activePortal";
import type { Loadable } from "../shared/loadable";
import { StoreVersionProvider } from "../shared/StoreVersionProvider";
import { useLoadable } from "../shared/useLoadable";
import { originRun, useJobStore, type JobOrigin } from "../sync/jobState";
import { SyncJobProvider } from "../sync/SyncJobProvider";
import { SyncScreen, type SyncAsk } from "../sync/SyncScreen";
import { CommandPalette, type PaletteCommand } from "./CommandPalette";
import { openLogs } from "./ipc";
import { onOpenRun } from "./openRun";
import { PortalBanner } from "./PortalBanner";
import { modKeyLabel, SCREENS, screenOfDigit, type Screen } from "./screens";
import { shortcutKeys, shortcutOf, type ShortcutAction } from "./shortcuts";
import { Sidebar } from "./Sidebar";
import { StoreUpgradeGate } from "./StoreUpgradeGate";
import { THEME_CHOICES, useTheme } from "./theme";

/** Which portal's profile the configuration screens show. */
function activeKey(overview: Loadable<PortalsOverview>): string {
  return overview.status === "ready" ? String(overview.value.active?.portal_id ?? "none") : "none";
}

export function App() {
  // The sync job lives above the screens: leaving Sync or History keeps it and its progress.
  // Every loaded view reads again when the store changed, whichever process wrote. A store from
  // an older Hubsync is upgraded first: the window shows how it goes, then the screens load.
  return (
    <StoreUpgradeGate>
      <StoreVersionProvider>
        <SyncJobProvider>
          <Screens />
        </SyncJobProvider>
      </StoreVersionProvider>
    </StoreUpgradeGate>
  );
}

/** Focuses the open screen's search field, if it has one. */
function focusSearch() {
  document.querySelector<HTMLInputElement>('main input[type="search"]')?.focus();
}

function Screens() {
  // After a change (connect, switch, disconnect) the overview is read again; the previous one
  // stays on screen until the new one arrives.
  const [overviewReads, setOverviewReads] = useState(0);
  const [overview] = useLoadable(portalsOverview, overviewReads);
  const [sandboxReads, setSandboxReads] = useState(0);
  // The built-in portal's facts are the sandbox's; read again when the store changed, since a
  // run that wrote to it changed the store too (its contact count stays current).
  const [sandbox] = useLoadable(sandboxPortal, sandboxReads);
  const [screen, setScreen] = useState<Screen>("overview");
  const [paletteOpen, setPaletteOpen] = useState(false);
  // Asks the newly opened screen to focus its search once it is on screen.
  const [searchAsked, setSearchAsked] = useState(0);
  // Bumped when the job indicator or the overview opens History, so it shows that run.
  const [historyOpens, setHistoryOpens] = useState(0);
  const [historyRun, setHistoryRun] = useState<number | null>(null);
  const openRun = useCallback((runId: number | null) => {
    setHistoryRun(runId);
    setScreen("history");
    setHistoryOpens((n) => n + 1);
  }, []);
  // Navigation (the nav, the palette, a shortcut): History opens on no run in particular.
  const goTo = useCallback((next: Screen) => {
    if (next === "history") setHistoryRun(null);
    setScreen(next);
  }, []);
  const openJob = useCallback(
    (origin: JobOrigin) => {
      const runId = originRun(origin);
      if (runId === null) setScreen("sync");
      else openRun(runId);
    },
    [openRun],
  );

  const sandboxFailed = sandbox.status === "failed";
  const refresh = useCallback(() => {
    setOverviewReads((n) => n + 1);
    // A sandbox that failed to start is asked again; one that answered stays as it is.
    if (sandboxFailed) setSandboxReads((n) => n + 1);
  }, [sandboxFailed]);

  const { job, draft } = useJobStore();
  const [theme, chooseTheme] = useTheme();
  // What a shortcut or the palette asked the Sync screen to do; it does it as its own buttons
  // would, so a refusal (another job running) shows there.
  const [syncAsk, setSyncAsk] = useState<SyncAsk | null>(null);
  // Every ask has a number of its own, even after the last one was answered and dropped.
  const asks = useRef(0);
  const askSync = useCallback((ask: Omit<SyncAsk, "n">) => {
    asks.current += 1;
    setScreen("sync");
    setSyncAsk({ ...ask, n: asks.current });
  }, []);
  const act = useCallback(
    (action: ShortcutAction) => {
      switch (action.kind) {
        case "palette":
          setPaletteOpen((open) => !open);
          return;
        case "open":
          goTo(action.screen);
          return;
        case "search":
          if (screen !== "leads") setScreen("leads");
          setSearchAsked((n) => n + 1);
          return;
        case "preview":
          askSync({ what: "preview", direction: null });
          return;
        case "run":
          askSync({ what: "run", direction: null });
          return;
      }
    },
    [askSync, goTo, screen],
  );

  useEffect(() => {
    if (searchAsked > 0) focusSearch();
  }, [searchAsked]);

  // A click on the OS notice of a run that ended while the window was in the background opens
  // that run in History (its list, for a run that failed before it was recorded).
  useEffect(() => {
    let stop: (() => void) | undefined;
    let current = true;
    onOpenRun(({ run_id }) => {
      openRun(run_id);
    }).then(
      (unlisten) => {
        if (current) stop = unlisten;
        else unlisten();
      },
      () => {
        // Outside the app there are no notices to follow.
      },
    );
    return () => {
      current = false;
      stop?.();
    };
  }, [openRun]);

  useEffect(() => {
    const mac = modKeyLabel() === "⌘";
    const onKey = (event: KeyboardEvent) => {
      // A dialog holds the keys while it is open (the palette toggles itself).
      const action = shortcutOf(event, mac);
      if (action === null) return;
      if (action.kind !== "palette" && document.querySelector('[role="dialog"]') !== null) return;
      event.preventDefault();
      act(action);
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [act]);

  const commands = useMemo<PaletteCommand[]>(() => {
    const mod = modKeyLabel();
    const keys = shortcutKeys(mod);
    const previewed = job.origin === "sync" && job.state.step === "previewed";
    return [
      ...SCREENS.map((entry, index) => ({
        id: `open-${entry.screen}`,
        label: `Go to ${entry.label}`,
        group: "Go to",
        keywords: [entry.label, entry.keywords],
        keys: screenOfDigit(String(index + 1)) === entry.screen ? [mod, String(index + 1)] : undefined,
        run: () => {
          goTo(entry.screen);
        },
      })),
      {
        id: "search-leads",
        label: "Search leads",
        group: "Actions",
        keywords: ["find", "filter"],
        keys: keys.search,
        run: () => {
          act({ kind: "search" });
        },
      },
      {
        id: "preview-push",
        label: "Preview a push",
        group: "Actions",
        keywords: ["sync", "hubspot", "send", "leads"],
        keys: draft.direction !== "pull" ? keys.preview : undefined,
        run: () => {
          askSync({ what: "preview", direction: "push" });
        },
      },
      {
        id: "preview-pull",
        label: "Preview a pull",
        group: "Actions",
        keywords: ["sync", "import", "contacts", "pull rules"],
        keys: draft.direction === "pull" ? keys.preview : undefined,
        run: () => {
          askSync({ what: "preview", direction: "pull" });
        },
      },
      ...(previewed
        ? [
            {
              id: "run-previewed",
              label: "Run the previewed sync for real…",
              group: "Actions",
              keywords: ["confirm", "write"],
              keys: keys.run,
              run: () => {
                act({ kind: "run" });
              },
            },
          ]
        : []),
      ...THEME_CHOICES.map((option) => ({
        id: `theme-${option.choice}`,
        label: `Theme: ${option.label}`,
        group: "Window",
        keywords: ["dark", "light", "appearance", "colour", "color"],
        run: () => {
          chooseTheme(option.choice);
        },
      })),
      {
        id: "show-logs",
        label: "Show logs",
        group: "Window",
        keywords: ["log", "folder", "debug"],
        run: () => {
          void openLogs().catch(() => {
            // The sidebar's "Show logs" says where they are and why the folder didn't open.
          });
        },
      },
    ];
  }, [act, askSync, chooseTheme, draft.direction, goTo, job.origin, job.state.step]);

  const active = overview.status === "ready" ? overview.value.active : null;
  return (
    <ActivePortalContext.Provider value={active}>
      <div className="app">
        <Sidebar screen={screen} onOpen={goTo} onOpenJob={openJob} theme={theme} onTheme={chooseTheme} />
        <div className="app-main">
          <header className="topbar">
            <PortalBanner overview={overview} sandbox={sandbox} />
            <button
              type="button"
              className="palette-button"
              aria-keyshortcuts={modKeyLabel() === "⌘" ? "Meta+K" : "Control+K"}
              data-testid="open-palette"
              onClick={() => {
                setPaletteOpen(true);
              }}
            >
              <span>Commands</span>
              <span className="keys" aria-hidden="true">
                {shortcutKeys(modKeyLabel()).palette.map((key) => (
                  <kbd key={key}>{key}</kbd>
                ))}
              </span>
            </button>
          </header>
          <main className="content">
            {screen === "overview" && (
              <OverviewScreen
                key={activeKey(overview)}
                onOpen={goTo}
                onOpenRun={openRun}
                onPreview={(direction) => {
                  askSync({ what: "preview", direction });
                }}
              />
            )}
            {screen === "connection" && <ConnectionScreen overview={overview} onChanged={refresh} />}
            {/* Leads show their link in the active portal: a switch reloads the screen. */}
            {screen === "leads" && (
              <LeadsScreen
                key={activeKey(overview)}
                onPull={() => {
                  setScreen("sync");
                }}
              />
            )}
            {/* Configuration belongs to the active portal: a switch reloads the screen. */}
            {screen === "fields" && <FieldsScreen />}
            {screen === "mapping" && <MappingScreen key={activeKey(overview)} />}
            {screen === "companies" && <CompaniesScreen key={activeKey(overview)} />}
            {screen === "push-rules" && <PushRulesScreen key={activeKey(overview)} />}
            {screen === "pull-rules" && <PullRulesScreen key={activeKey(overview)} />}
            {screen === "sync" && (
              <SyncScreen
                key={activeKey(overview)}
                asked={syncAsk}
                onAnswered={() => {
                  setSyncAsk(null);
                }}
              />
            )}
            {screen === "history" && <HistoryScreen key={historyOpens} openRun={historyRun} />}
            {/* Schedules and guardrails belong to the active portal: a switch reloads the screen. */}
            {screen === "schedules" && <SchedulesScreen key={activeKey(overview)} onOpenRun={openRun} />}
            {screen === "guardrails" && <GuardrailsScreen key={activeKey(overview)} />}
          </main>
        </div>
      </div>
      <CommandPalette open={paletteOpen} onOpenChange={setPaletteOpen} commands={commands} />
    </ActivePortalContext.Provider>
  );
}
