import { useCallback, useState } from "react";
import logoUrl from "../../../icons/icon.svg";
import type { PortalsOverview } from "../bindings/PortalsOverview";
import { ConnectionScreen } from "../connection/ConnectionScreen";
import { portalsOverview, sandboxPortal } from "../connection/ipc";
import { FieldsScreen } from "../fields/FieldsScreen";
import { HistoryScreen } from "../history/HistoryScreen";
import { LeadsScreen } from "../leads/LeadsScreen";
import { MappingScreen } from "../mapping/MappingScreen";
import { PullRulesScreen } from "../pullrules/PullRulesScreen";
import { PushRulesScreen } from "../pushrules/PushRulesScreen";
import type { Loadable } from "../shared/loadable";
import { StoreVersionProvider } from "../shared/StoreVersionProvider";
import { useLoadable } from "../shared/useLoadable";
import { JobIndicator } from "../sync/JobIndicator";
import { originRun, type JobOrigin } from "../sync/jobState";
import { SyncJobProvider } from "../sync/SyncJobProvider";
import { SyncScreen } from "../sync/SyncScreen";
import { PortalBanner } from "./PortalBanner";
import { ShowLogs } from "./ShowLogs";
import { StoreUpgradeGate } from "./StoreUpgradeGate";

type Screen = "connection" | "leads" | "fields" | "mapping" | "push-rules" | "pull-rules" | "sync" | "history";

const SCREENS: readonly { screen: Screen; label: string }[] = [
  { screen: "connection", label: "Connection" },
  { screen: "leads", label: "Leads" },
  { screen: "fields", label: "Data model" },
  { screen: "mapping", label: "Mapping" },
  { screen: "push-rules", label: "Push rules" },
  { screen: "pull-rules", label: "Pull rules" },
  { screen: "sync", label: "Sync" },
  { screen: "history", label: "History" },
];

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

function Screens() {
  // After a change (connect, switch, disconnect) the overview is read again; the previous one
  // stays on screen until the new one arrives.
  const [overviewReads, setOverviewReads] = useState(0);
  const [overview] = useLoadable(portalsOverview, overviewReads);
  const [sandboxReads, setSandboxReads] = useState(0);
  // The built-in portal's facts are the sandbox's, not the store's.
  const [sandbox] = useLoadable(sandboxPortal, sandboxReads, { followsStore: false });
  const [screen, setScreen] = useState<Screen>("connection");
  // Bumped when the job indicator opens History, so it shows the job's run again.
  const [historyOpens, setHistoryOpens] = useState(0);
  const openJob = useCallback((origin: JobOrigin) => {
    if (originRun(origin) === null) {
      setScreen("sync");
    } else {
      setScreen("history");
      setHistoryOpens((n) => n + 1);
    }
  }, []);

  const sandboxFailed = sandbox.status === "failed";
  const refresh = useCallback(() => {
    setOverviewReads((n) => n + 1);
    // A sandbox that failed to start is asked again; one that answered stays as it is.
    if (sandboxFailed) setSandboxReads((n) => n + 1);
  }, [sandboxFailed]);

  return (
    <div className="app">
      <header className="app-header">
        <img className="app-logo" src={logoUrl} alt="" width={40} height={40} />
        <div>
          <h1>Hubsync</h1>
          <p className="tagline">Your lead store and HubSpot contacts, kept in step.</p>
        </div>
        <ShowLogs />
      </header>
      <PortalBanner overview={overview} sandbox={sandbox} />
      <nav className="app-nav" aria-label="Screens">
        <ul>
          {SCREENS.map((s) => (
            <li key={s.screen}>
              <button
                type="button"
                aria-current={s.screen === screen ? "page" : undefined}
                onClick={() => {
                  setScreen(s.screen);
                }}
              >
                {s.label}
              </button>
            </li>
          ))}
        </ul>
        <JobIndicator onOpen={openJob} />
      </nav>
      <main>
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
        {screen === "push-rules" && <PushRulesScreen key={activeKey(overview)} />}
        {screen === "pull-rules" && <PullRulesScreen key={activeKey(overview)} />}
        {screen === "sync" && <SyncScreen key={activeKey(overview)} />}
        {screen === "history" && <HistoryScreen key={historyOpens} />}
      </main>
    </div>
  );
}
