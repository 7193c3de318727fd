import { useCallback } from "react";

import type { LeadQuery } from "../bindings/LeadQuery";
import logoUrl from "../../../icons/icon.svg";
import { leadsPage } from "../leads/ipc";
import { numberFormat } from "../shared/format";
import { useLoadable } from "../shared/useLoadable";
import { runsList } from "../sync/ipc";
import { JobIndicator } from "../sync/JobIndicator";
import { useJobStore, type JobOrigin } from "../sync/jobState";
import { modKeyLabel, SCREENS, screenOfDigit, type Screen } from "./screens";
import { ShowLogs } from "./ShowLogs";
import type { ThemeChoice } from "./theme";
import { ThemeSwitch } from "./ThemeSwitch";

interface Props {
  screen: Screen;
  onOpen: (screen: Screen) => void;
  onOpenJob: (origin: JobOrigin) => void;
  theme: ThemeChoice;
  onTheme: (choice: ThemeChoice) => void;
}

const ALL_LEADS: LeadQuery = {
  search: "",
  filters: [],
  sort: { key: { kind: "id" }, descending: false },
  offset: 0,
  limit: 1,
};

/**
 * The left navigation: the screens in two groups with what waits on them (how many leads, a job
 * running, runs that stopped before their end or wait for approval), the running job, and the
 * window's own settings.
 */
export function Sidebar({ screen, onOpen, onOpenJob, theme, onTheme }: Props) {
  // Both follow the store: an import, a pull or a run in another process shows here.
  const leadCount = useLeadCount();
  const waiting = useWaitingRuns();
  const { job } = useJobStore();
  const busy = job.state.step === "previewing" || job.state.step === "running";
  const mod = modKeyLabel();

  const badge = (target: Screen) => {
    if (target === "leads" && leadCount !== null) {
      return <span className="nav-count">{numberFormat.format(leadCount)}</span>;
    }
    if (target === "sync" && busy) {
      return <span className="spinner nav-busy" role="img" aria-label="A job is running" />;
    }
    if (target === "history" && (waiting.stopped > 0 || waiting.held > 0)) {
      return (
        <>
          {waiting.stopped > 0 && (
            <span className="nav-count nav-count-warning" title="Runs that stopped before their end: resume them from History">
              {numberFormat.format(waiting.stopped)}
            </span>
          )}
          {waiting.held > 0 && (
            <span
              className="nav-count nav-count-warning"
              title="Runs a guardrail held: approve or refuse them in History"
              data-testid="nav-held"
            >
              {numberFormat.format(waiting.held)} held
            </span>
          )}
        </>
      );
    }
    return null;
  };

  const group = (name: "work" | "setup") =>
    SCREENS.map((entry, index) => {
      if (entry.group !== name) return null;
      // Only the first nine screens have a digit of their own.
      const digit = screenOfDigit(String(index + 1)) === entry.screen ? String(index + 1) : null;
      return (
        <li key={entry.screen}>
          <button
            type="button"
            className="nav-item"
            aria-current={entry.screen === screen ? "page" : undefined}
            aria-keyshortcuts={digit === null ? undefined : `${mod === "⌘" ? "Meta" : "Control"}+${digit}`}
            title={digit === null ? entry.label : `${entry.label} (${mod}+${digit})`}
            onClick={() => {
              onOpen(entry.screen);
            }}
          >
            <span className="nav-label">{entry.label}</span>
            {badge(entry.screen)}
          </button>
        </li>
      );
    });

  return (
    <aside className="sidebar">
      <div className="brand">
        <img className="app-logo" src={logoUrl} alt="" width={28} height={28} />
        <h1>Hubsync</h1>
      </div>
      <nav className="app-nav" aria-label="Screens">
        <ul>{group("work")}</ul>
        <h2 className="nav-heading" id="nav-setup">
          Setup
        </h2>
        <ul aria-labelledby="nav-setup">{group("setup")}</ul>
      </nav>
      <JobIndicator onOpen={onOpenJob} />
      <div className="sidebar-foot">
        <ThemeSwitch choice={theme} choose={onTheme} />
        <ShowLogs />
      </div>
    </aside>
  );
}

/** How many leads the store holds; `null` until known or when it can't be read. */
function useLeadCount(): number | null {
  const load = useCallback(() => leadsPage(ALL_LEADS), []);
  const [page] = useLoadable(load);
  return page.status === "ready" ? page.value.total : null;
}

/** Runs that wait for the admin in History: left interrupted (to resume), or held by a guardrail. */
function useWaitingRuns(): { stopped: number; held: number } {
  const [runs] = useLoadable(runsList);
  if (runs.status !== "ready") return { stopped: 0, held: 0 };
  return {
    stopped: runs.value.filter((run) => run.status === "interrupted").length,
    held: runs.value.filter((run) => run.hold === "held").length,
  };
}
