import { useCallback, useState } from "react";

import { EnvironmentBadge } from "../app/PortalBanner";
import type { Screen } from "../app/screens";
import type { Overview } from "../bindings/Overview";
import type { SyncDirection } from "../bindings/SyncDirection";
import { testConnection } from "../connection/ipc";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted, formatTime, numberFormat, statusLabel } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import { useLoadable } from "../shared/useLoadable";
import { overview } from "./ipc";
import { SchedulesCard } from "./SchedulesCard";
import { agoWords, kindWords, outcomeWords, runCountWords, SETUP_STEPS } from "./words";
import "./overview.css";

interface Props {
  onOpen: (screen: Screen) => void;
  onOpenRun: (runId: number) => void;
  onPreview: (direction: SyncDirection) => void;
}

/**
 * Overview, the first screen once connected: is the portal healthy, how much of today's API
 * allowance is used, how did the last runs go, where do the leads stand, and what is left to set up.
 */
export function OverviewScreen({ onOpen, onOpenRun, onPreview }: Props) {
  const [reads, setReads] = useState(0);
  const [state] = useLoadable(overview, reads);
  const reload = useCallback(() => {
    setReads((n) => n + 1);
  }, []);
  return (
    <div className="screen">
      <h2 className="screen-title" id="overview-title">
        Overview
      </h2>
      {state.status === "loading" && <p aria-busy="true">Loading the overview…</p>}
      {state.status === "failed" && <ErrorMessage error={state.error} title="The overview could not be read" />}
      {state.status === "ready" && (
        <div className="overview-grid" aria-labelledby="overview-title">
          <Checklist overview={state.value} onOpen={onOpen} />
          <PortalCard overview={state.value} onOpen={onOpen} onChecked={reload} />
          <ApiUseCard overview={state.value} />
          <LeadsCard overview={state.value} onOpen={onOpen} onPreview={onPreview} />
          <SchedulesCard onOpen={onOpen} onOpenRun={onOpenRun} />
          <RunsCard overview={state.value} onOpen={onOpen} onOpenRun={onOpenRun} />
        </div>
      )}
    </div>
  );
}

function Checklist({ overview: o, onOpen }: { overview: Overview; onOpen: (screen: Screen) => void }) {
  const left = o.checklist.filter((item) => !item.done).length;
  if (left === 0) return null;
  return (
    <section className="card overview-wide" aria-labelledby="setup-title" data-testid="setup-checklist">
      <h3 id="setup-title">Finish setting up</h3>
      <p className="muted">
        {counted(left, "step")} left of {o.checklist.length}.
      </p>
      <ol className="checklist">
        {o.checklist.map((item) => {
          const step = SETUP_STEPS[item.step];
          return (
            <li key={item.step} className={item.done ? "checklist-done" : undefined} data-testid={`setup-${item.step}`}>
              <span className="checklist-mark" aria-hidden="true">
                {item.done ? "✓" : ""}
              </span>
              <span className="checklist-text">
                {item.done ? step.done : step.todo}
                <span className="sr-only">{item.done ? " (done)" : " (to do)"}</span>
              </span>
              {!item.done && (
                <button
                  type="button"
                  onClick={() => {
                    onOpen(step.screen);
                  }}
                >
                  {step.action}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function PortalCard({
  overview: o,
  onOpen,
  onChecked,
}: {
  overview: Overview;
  onOpen: (screen: Screen) => void;
  onChecked: () => void;
}) {
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const portal = o.portal;
  const health = o.health;
  return (
    <section className="card" aria-labelledby="portal-title" data-testid="overview-portal">
      <h3 id="portal-title">Portal</h3>
      {portal === null || health === null ? (
        <>
          <p>No portal is connected.</p>
          <div className="actions">
            <button
              type="button"
              className="button-primary"
              onClick={() => {
                onOpen("connection");
              }}
            >
              Connect a portal
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="overview-portal-name">
            <EnvironmentBadge portal={portal} />{" "}
            {portal.name} <span className="muted">({portal.portal_id})</span>
          </p>
          <p className={health.healthy ? "status-connected" : "status-reconnect-needed"} data-testid="overview-health">
            {health.healthy ? "✓ " : "! "}
            {health.check_passed === false ? "The last check failed" : statusLabel(health.status)}
            {health.checked_at !== null && (
              <span className="muted"> · checked {agoWords(health.checked_at, o.as_of)}</span>
            )}
          </p>
          {health.status_detail !== null && !health.healthy && <p className="muted">{health.status_detail}</p>}
          <div className="actions">
            <button
              type="button"
              disabled={checking}
              onClick={() => {
                setChecking(true);
                setError(null);
                testConnection().then(
                  () => {
                    setChecking(false);
                    onChecked();
                  },
                  (e: unknown) => {
                    setChecking(false);
                    setError(toCommandError(e));
                    onChecked();
                  },
                );
              }}
            >
              {checking ? "Testing…" : "Test connection"}
            </button>
          </div>
          {error !== null && <ErrorMessage error={error} title="The test could not run" />}
        </>
      )}
    </section>
  );
}

function ApiUseCard({ overview: o }: { overview: Overview }) {
  const use = o.daily_use;
  return (
    <section className="card" aria-labelledby="api-title" data-testid="overview-api-use">
      <h3 id="api-title">API calls today</h3>
      {use === null ? (
        <p className="muted">
          Not known yet: HubSpot states the daily limit with each call of a private app. OAuth apps have no daily
          limit.
        </p>
      ) : (
        <>
          <p className="overview-figure">
            {numberFormat.format(use.used)} <span className="muted">of {numberFormat.format(use.limit)}</span>
          </p>
          <meter
            className="overview-meter"
            min={0}
            max={use.limit}
            low={use.limit * (1 - use.reserve_percent / 100) * 0.8}
            high={use.limit * (1 - use.reserve_percent / 100)}
            optimum={0}
            value={use.used}
            aria-label="API calls used today"
          />
          <p className="muted">
            {use.reserve_percent} % kept free for the portal's other apps; a sync stops before it would use it.
            {o.daily_use_outdated
              ? ` Stated ${formatTime(use.seen_at)}: HubSpot's count has started again since.`
              : ` As HubSpot stated it ${agoWords(use.seen_at, o.as_of)}.`}
          </p>
        </>
      )}
    </section>
  );
}

function LeadsCard({
  overview: o,
  onOpen,
  onPreview,
}: {
  overview: Overview;
  onOpen: (screen: Screen) => void;
  onPreview: (direction: SyncDirection) => void;
}) {
  const l = o.leads;
  return (
    <section className="card" aria-labelledby="leads-title" data-testid="overview-leads">
      <h3 id="leads-title">Leads</h3>
      <dl className="overview-counts">
        <div>
          <dt>In the store</dt>
          <dd data-testid="overview-leads-total">{numberFormat.format(l.total)}</dd>
        </div>
        <div>
          <dt>Linked to a contact</dt>
          <dd data-testid="overview-leads-linked">{numberFormat.format(l.linked)}</dd>
        </div>
        <div>
          <dt>Not linked</dt>
          <dd data-testid="overview-leads-not-linked">{numberFormat.format(l.not_linked)}</dd>
        </div>
        <div>
          <dt>Changed since their last sync</dt>
          <dd data-testid="overview-leads-changed">{numberFormat.format(l.changed_since_sync)}</dd>
        </div>
      </dl>
      <div className="actions">
        {l.changed_since_sync > 0 && o.portal !== null && (
          <button
            type="button"
            className="button-primary"
            onClick={() => {
              onPreview("push");
            }}
          >
            Preview a push
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            onOpen("leads");
          }}
        >
          Open Leads
        </button>
      </div>
    </section>
  );
}

function RunsCard({
  overview: o,
  onOpen,
  onOpenRun,
}: {
  overview: Overview;
  onOpen: (screen: Screen) => void;
  onOpenRun: (runId: number) => void;
}) {
  return (
    <section className="card overview-wide" aria-labelledby="runs-title" data-testid="overview-runs">
      <h3 id="runs-title">Last runs</h3>
      {o.recent_runs.length === 0 ? (
        <p className="muted">No sync has been previewed or run with this portal yet.</p>
      ) : (
        <ul className="overview-runs">
          {o.recent_runs.map((run) => (
            <li key={run.id}>
              <button
                type="button"
                className="overview-run"
                data-outcome={run.outcome}
                onClick={() => {
                  onOpenRun(run.id);
                }}
              >
                <span className="overview-run-title">
                  {kindWords(run)} {run.id}
                </span>
                <span className={`overview-outcome outcome-${run.outcome}`}>{outcomeWords(run.outcome)}</span>
                <span className="muted">{runCountWords(run)}</span>
                <span className="muted overview-run-when">{agoWords(run.started_at, o.as_of)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            onOpen("history");
          }}
        >
          Open History
        </button>
      </div>
    </section>
  );
}
