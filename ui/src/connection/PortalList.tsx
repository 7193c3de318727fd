import { useId, useState } from "react";

import type { Portal } from "../bindings/Portal";
import { ErrorMessage } from "../shared/ErrorMessage";
import { isSandbox, statusLabel, tokenKindLabel } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import { activatePortal, activateSandbox } from "./ipc";

type SwitchState =
  | { status: "idle" }
  | { status: "running"; target: number | "sandbox" }
  | { status: "failed"; error: CommandError };

/** Every portal the store knows, the active one marked, and a way to switch. */
export function PortalList({ portals, onChanged }: { portals: Portal[]; onChanged: () => void }) {
  const [state, setState] = useState<SwitchState>({ status: "idle" });
  const headingId = useId();
  const sandboxKnown = portals.some((portal) => isSandbox(portal));

  function switchTo(target: number | "sandbox") {
    setState({ status: "running", target });
    const switching = target === "sandbox" ? activateSandbox() : activatePortal(target);
    switching.then(
      () => {
        setState({ status: "idle" });
        onChanged();
      },
      (error: unknown) => {
        setState({ status: "failed", error: toCommandError(error) });
      },
    );
  }

  const busy = state.status === "running";
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Portals</h2>
      <p className="muted">Hubsync syncs with one portal at a time. Switching keeps every portal's rules and mappings.</p>
      {portals.length > 0 && (
        <ul className="portal-list">
          {portals.map((portal) => (
            <li
              key={portal.portal_id}
              className={portal.active ? "portal-row portal-row-active" : "portal-row"}
              aria-current={portal.active ? "true" : undefined}
            >
              <div className="portal-row-text">
                <span className="portal-row-name">
                  {portal.name} <span className="muted">· {portal.portal_id}</span>
                </span>
                <span className="portal-row-meta">
                  {tokenKindLabel(portal.token_kind)} · {statusLabel(portal.status)}
                </span>
              </div>
              {portal.active ? (
                <span className="badge">Active</span>
              ) : isSandbox(portal) ? (
                // Opening the sandbox also records its address for this run.
                <button
                  type="button"
                  onClick={() => {
                    switchTo("sandbox");
                  }}
                  disabled={busy}
                  aria-label="Open the built-in sandbox portal"
                >
                  {state.status === "running" && state.target === "sandbox" ? "Opening…" : "Use"}
                </button>
              ) : (
                <button
                  type="button"
                  onClick={() => {
                    switchTo(portal.portal_id);
                  }}
                  disabled={busy}
                  aria-label={`Use ${portal.name} (${String(portal.portal_id)})`}
                >
                  {state.status === "running" && state.target === portal.portal_id ? "Switching…" : "Use"}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!sandboxKnown && (
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              switchTo("sandbox");
            }}
            disabled={busy}
          >
            {state.status === "running" && state.target === "sandbox"
              ? "Opening…"
              : "Open the built-in sandbox portal"}
          </button>
        </div>
      )}
      <div aria-live="polite">
        {state.status === "failed" && <ErrorMessage title="Switching portals failed" error={state.error} />}
      </div>
    </section>
  );
}
