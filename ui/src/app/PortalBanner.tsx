import type { Portal } from "../bindings/Portal";
import type { PortalsOverview } from "../bindings/PortalsOverview";
import type { PortalSummary } from "../bindings/PortalSummary";
import { environmentOf } from "../shared/environment";
import { isSandbox, numberFormat, statusLabel } from "../shared/format";
import type { Loadable } from "../shared/loadable";

/**
 * The top bar's portal: which portal Hubsync syncs with, and what kind it is (built-in sandbox,
 * HubSpot test portal, production) by label and colour, so nobody writes to production thinking
 * it is a sandbox. `tests/e2e/window.test.mjs` reads its test ids.
 */
export function PortalBanner({
  overview,
  sandbox,
}: {
  overview: Loadable<PortalsOverview>;
  sandbox: Loadable<PortalSummary>;
}) {
  switch (overview.status) {
    case "loading":
      return (
        <section className="portal-bar" aria-busy="true" aria-label="Active portal">
          <span className="muted">Loading the active portal…</span>
        </section>
      );
    case "failed":
      return (
        <section className="portal-bar portal-bar-error" role="alert" data-testid="portal-error">
          <strong>Portals unavailable</strong>
          <span className="portal-bar-note">
            Hubsync could not read its portals from the lead store: {overview.error.message}{" "}
            <code>{overview.error.code}</code>
          </span>
        </section>
      );
    case "ready": {
      const { active } = overview.value;
      if (active === null) return <NoPortalBanner />;
      if (isSandbox(active)) return <SandboxBanner portal={active} state={sandbox} />;
      return <HubSpotBanner portal={active} />;
    }
  }
}

function NoPortalBanner() {
  return (
    <section className="portal-bar portal-bar-warning" data-testid="no-portal-banner" aria-label="Active portal">
      <strong>No portal connected</strong>
      <span className="portal-bar-note">
        Connect a HubSpot portal on Connection, or open the built-in sandbox portal to try Hubsync with demo
        contacts.
      </span>
    </section>
  );
}

/** What kind of portal it is, as a coloured badge (the top bar's and the overview's). */
export function EnvironmentBadge({ portal, testId }: { portal: Pick<Portal, "environment">; testId?: string }) {
  const environment = environmentOf(portal);
  return (
    <span className={`env-badge env-${environment.tone}`} data-testid={testId} title={environment.note}>
      {environment.label}
    </span>
  );
}

function HubSpotBanner({ portal }: { portal: Portal }) {
  const healthy = portal.status === "connected";
  const environment = environmentOf(portal);
  return (
    <section
      className={`portal-bar portal-bar-${environment.tone}${healthy ? "" : " portal-bar-warning"}`}
      data-testid="portal-banner"
      aria-label="Active portal"
    >
      <EnvironmentBadge portal={portal} testId="portal-environment" />
      <span className="portal-bar-name">
        <span className="sr-only">HubSpot portal </span>
        <span data-testid="portal-name">{portal.name}</span>
      </span>
      <span className="portal-bar-fact">
        ID <span data-testid="portal-id">{portal.portal_id}</span>
      </span>
      {!healthy && (
        <span className="portal-bar-note">
          <span className="badge badge-warning">{statusLabel(portal.status)}</span>
          {portal.status_detail !== null && <> {portal.status_detail}</>}
        </span>
      )}
    </section>
  );
}

/** The built-in sandbox portal: its facts are the sandbox's own, read from it. */
function SandboxBanner({ portal, state }: { portal: Portal; state: Loadable<PortalSummary> }) {
  switch (state.status) {
    case "loading":
      return (
        <section className="portal-bar portal-bar-builtin" aria-busy="true" data-testid="sandbox-banner" aria-label="Active portal">
          <EnvironmentBadge portal={portal} testId="portal-environment" />
          <span className="portal-bar-note">Starting the built-in sandbox portal…</span>
        </section>
      );
    case "failed":
      return (
        <section className="portal-bar portal-bar-error" role="alert" data-testid="sandbox-error">
          <strong>Sandbox portal unavailable</strong>
          <span className="portal-bar-note">
            The built-in sandbox portal could not be reached, so there is nothing to sync with yet: {state.error.message}{" "}
            <code>{state.error.code}</code>
          </span>
        </section>
      );
    case "ready": {
      const summary = state.value;
      return (
        <section className="portal-bar portal-bar-builtin" data-testid="sandbox-banner" aria-label="Active portal">
          <EnvironmentBadge portal={portal} testId="portal-environment" />
          <span className="portal-bar-name">Sandbox portal</span>
          <span className="portal-bar-fact">
            ID <span data-testid="portal-id">{summary.portalId}</span>
          </span>
          <span className="portal-bar-fact">
            <span data-testid="contact-count">{numberFormat.format(summary.contactCount)}</span>{" "}
            {summary.contactCount === 1 ? "contact" : "contacts"}
          </span>
          <span className="portal-bar-fact portal-bar-url">
            <code data-testid="base-url">{summary.baseUrl}</code>
          </span>
        </section>
      );
    }
  }
}
