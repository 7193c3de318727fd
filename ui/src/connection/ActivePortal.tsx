import { useId, useRef, useState } from "react";

import type { ConnectionReport } from "../bindings/ConnectionReport";
import type { Disconnected } from "../bindings/Disconnected";
import type { Portal } from "../bindings/Portal";
import type { ScopeCheck } from "../bindings/ScopeCheck";
import type { ScopeState } from "../bindings/ScopeState";
import { ErrorMessage } from "../shared/ErrorMessage";
import { DailyLimit } from "./DailyLimit";
import { formatTime, isSandbox, secretKeptIn, statusLabel, tokenKindLabel } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import { disconnect, testConnection } from "./ipc";

type TestState =
  | { status: "idle" }
  | { status: "running" }
  | { status: "done"; report: ConnectionReport }
  | { status: "failed"; error: CommandError };

/** The active portal's facts, Test Connection and Disconnect. */
export function ActivePortal({ portal, onChanged }: { portal: Portal | null; onChanged: () => void }) {
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Active portal</h2>
      {portal === null ? (
        <p className="muted">
          No portal is active. Connect a HubSpot portal below, or open the built-in sandbox portal.
        </p>
      ) : (
        // A new key per portal resets the test results and the confirmation.
        <PortalDetails key={portal.portal_id} portal={portal} onChanged={onChanged} />
      )}
    </section>
  );
}

function PortalDetails({ portal, onChanged }: { portal: Portal; onChanged: () => void }) {
  const sandbox = isSandbox(portal);
  return (
    <>
      <dl className="details">
        <div>
          <dt>Name</dt>
          <dd>{portal.name}</dd>
        </div>
        <div>
          <dt>Portal ID</dt>
          <dd>{portal.portal_id}</dd>
        </div>
        <div>
          <dt>Connected with</dt>
          <dd>{tokenKindLabel(portal.token_kind)}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span className={`status status-${portal.status}`}>{statusLabel(portal.status)}</span>
            {portal.status_detail !== null && portal.status !== "connected" && (
              <span className="status-detail">{portal.status_detail}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>User</dt>
          <dd>
            {portal.user_email !== ""
              ? portal.user_email
              : portal.token_kind === "oauth"
                ? "Unknown"
                : "None: an app's token belongs to no user"}
          </dd>
        </div>
        <div>
          <dt>Connected since</dt>
          <dd>{formatTime(portal.connected_at)}</dd>
        </div>
        <div className="detail-wide">
          <dt>Granted scopes</dt>
          <dd>
            {portal.scopes.length === 0 ? (
              sandbox ? (
                "All (the built-in portal checks no scopes)"
              ) : (
                "Not reported"
              )
            ) : (
              <ul className="scopes">
                {portal.scopes.map((scope) => (
                  <li key={scope}>
                    <code>{scope}</code>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div className="detail-wide">
          <dt>Token kept in</dt>
          <dd>{secretKeptIn(portal)}</dd>
        </div>
        <div className="detail-wide">
          <dt>Base URL</dt>
          <dd>
            <code>{portal.base_url}</code>
          </dd>
        </div>
        <DailyLimit portal={portal} onChanged={onChanged} />
      </dl>
      {portal.status === "connected" ? (
        <TestConnection />
      ) : (
        <p className="muted">
          {portal.status === "disconnected"
            ? "This portal is disconnected: connect it again below to sync with it."
            : "Connect this portal again below; its rules and mappings are kept."}
        </p>
      )}
      {!sandbox && <Disconnect portal={portal} onChanged={onChanged} />}
    </>
  );
}

/** Runs the checks on the active portal and lists each one's result. */
export function TestConnection() {
  const [state, setState] = useState<TestState>({ status: "idle" });

  function run() {
    setState({ status: "running" });
    testConnection().then(
      (report) => {
        setState({ status: "done", report });
      },
      (error: unknown) => {
        setState({ status: "failed", error: toCommandError(error) });
      },
    );
  }

  return (
    <div className="action-block">
      <div className="actions">
        <button type="button" onClick={run} disabled={state.status === "running"}>
          {state.status === "running" ? "Testing…" : "Test connection"}
        </button>
      </div>
      <div aria-live="polite" aria-busy={state.status === "running"}>
        {state.status === "failed" && <ErrorMessage title="Test Connection could not run" error={state.error} />}
        {state.status === "done" && <TestReport report={state.report} />}
      </div>
    </div>
  );
}

function TestReport({ report }: { report: ConnectionReport }) {
  const failed = report.checks.filter((check) => !check.passed).length;
  return (
    <div className="report" data-testid="test-report">
      <p className={report.passed ? "report-summary report-passed" : "report-summary report-failed"}>
        {report.passed
          ? "All checks passed."
          : `${String(failed)} of ${String(report.checks.length)} checks failed.`}
      </p>
      <ul className="checks">
        {report.checks.map((check) => (
          <li key={check.check} className={check.passed ? "check check-passed" : "check check-failed"}>
            <span className="check-mark" aria-hidden="true">
              {check.passed ? "✓" : "✗"}
            </span>
            <div>
              <p className="check-title">
                <span className="check-name">{check.check}</span>{" "}
                <span className="check-result">{check.passed ? "passed" : "failed"}</span>
                {check.millis !== undefined && <span className="check-time"> · {check.millis} ms</span>}
              </p>
              <p className="check-detail">
                {check.detail}
                {check.code !== undefined && (
                  <>
                    {" "}
                    <code>{check.code}</code>
                  </>
                )}
              </p>
            </div>
          </li>
        ))}
      </ul>
      {report.scopes.length > 0 && <OptionalScopes scopes={report.scopes} />}
    </div>
  );
}

const SCOPE_STATES: Record<ScopeState, { mark: string; words: string }> = {
  granted: { mark: "✓", words: "granted" },
  missing: { mark: "✗", words: "missing" },
  unknown: { mark: "?", words: "unknown" },
};

/** The companies and deals scopes: the sync runs without them, with companies or deals off. */
function OptionalScopes({ scopes }: { scopes: ScopeCheck[] }) {
  const headingId = useId();
  return (
    <div className="report-scopes" data-testid="test-scopes">
      <h3 id={headingId}>Companies and deals</h3>
      <p className="muted">Contacts sync without these scopes; companies or deals need them.</p>
      <ul className="checks" aria-labelledby={headingId}>
        {scopes.map((scope) => {
          const state = SCOPE_STATES[scope.state];
          return (
            <li
              key={scope.scope}
              className={scope.state === "granted" ? "check check-passed" : "check check-failed"}
              data-testid={`scope-${scope.scope}`}
            >
              <span className="check-mark" aria-hidden="true">
                {state.mark}
              </span>
              <div>
                <p className="check-title">
                  <code>{scope.scope}</code> <span className="check-result">{state.words}</span>
                </p>
                <p className="check-detail">
                  {scope.detail}
                  {scope.code !== undefined && (
                    <>
                      {" "}
                      <code>{scope.code}</code>
                    </>
                  )}
                </p>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

type DisconnectState =
  | { status: "idle" }
  | { status: "confirming" }
  | { status: "running" }
  | { status: "done"; result: Disconnected }
  | { status: "failed"; error: CommandError };

function Disconnect({ portal, onChanged }: { portal: Portal; onChanged: () => void }) {
  const [state, setState] = useState<DisconnectState>({ status: "idle" });
  const titleId = useId();
  const openerRef = useRef<HTMLButtonElement>(null);

  function confirm() {
    setState({ status: "running" });
    disconnect(portal.portal_id).then(
      (result) => {
        setState({ status: "done", result });
        onChanged();
      },
      (error: unknown) => {
        setState({ status: "failed", error: toCommandError(error) });
      },
    );
  }

  function keep() {
    setState({ status: "idle" });
    openerRef.current?.focus();
  }

  const confirming = state.status === "confirming" || state.status === "running";
  return (
    <div className="action-block">
      {!confirming && portal.status !== "disconnected" && (
        <div className="actions">
          <button
            ref={openerRef}
            type="button"
            className="button-danger-outline"
            onClick={() => {
              setState({ status: "confirming" });
            }}
          >
            Disconnect…
          </button>
        </div>
      )}
      {confirming && (
        <div className="confirm" role="group" aria-labelledby={titleId}>
          <p id={titleId} className="confirm-title">
            Disconnect {portal.name} ({portal.portal_id})?
          </p>
          <p>
            Hubsync stops syncing with this portal and deletes its token from where it is kept
            {portal.token_kind === "oauth" ? ", after revoking it at HubSpot" : ""}.{" "}
            <strong>Your fields, leads, rules and mappings are kept</strong>: connecting the same
            portal again brings them back.
          </p>
          <div className="actions">
            <button
              type="button"
              className="button-danger"
              onClick={confirm}
              disabled={state.status === "running"}
            >
              {state.status === "running" ? "Disconnecting…" : "Disconnect"}
            </button>
            <button
              type="button"
              // The safe choice has the focus when the question appears.
              autoFocus
              onClick={keep}
              disabled={state.status === "running"}
            >
              Keep connected
            </button>
          </div>
        </div>
      )}
      <div aria-live="polite">
        {state.status === "failed" && <ErrorMessage title="Disconnecting failed" error={state.error} />}
        {state.status === "done" && <DisconnectResult result={state.result} />}
      </div>
    </div>
  );
}

function DisconnectResult({ result }: { result: Disconnected }) {
  return (
    <div className="notice notice-success" role="status">
      <p className="notice-title">
        Disconnected {result.name} ({result.portal_id}). Its rules and mappings are kept.
      </p>
      <p>
        {result.revoked
          ? "The token was revoked at HubSpot."
          : `Not revoked at HubSpot: ${result.not_revoked ?? "no reason was given"}.`}{" "}
        {result.secret_deleted ? "The token was deleted from this computer." : "No token was stored on this computer."}
      </p>
    </div>
  );
}
