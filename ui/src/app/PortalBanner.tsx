import type { Portal } from "../bindings/Portal";
import type { PortalsOverview } from "../bindings/PortalsOverview";
import type { PortalSummary } from "../bindings/PortalSummary";
import { isSandbox, numberFormat, statusLabel } from "../shared/format";
import type { Loadable } from "../shared/loadable";

/**
 * The banner on every screen: which portal Hubsync syncs with. The built-in sandbox portal is
 * marked as such so nobody mistakes its demo contacts for HubSpot's.
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
        <section className="banner" aria-busy="true" aria-label="Active portal">
          <p className="banner-note">Loading the active portal…</p>
        </section>
      );
    case "failed":
      return (
        <section className="banner banner-error" role="alert" data-testid="portal-error">
          <h2>Portals unavailable</h2>
          <p className="banner-note">Hubsync could not read its portals from the lead store.</p>
          <p className="error-detail">
            {overview.error.message} <code>{overview.error.code}</code>
          </p>
        </section>
      );
    case "ready": {
      const { active } = overview.value;
      if (active === null) return <NoPortalBanner />;
      if (isSandbox(active)) return <SandboxBanner state={sandbox} />;
      return <HubSpotBanner portal={active} />;
    }
  }
}

function NoPortalBanner() {
  return (
    <section className="banner banner-warning" data-testid="no-portal-banner">
      <h2>No portal connected</h2>
      <p className="banner-note">
        Connect a HubSpot portal below, or open the built-in sandbox portal to try Hubsync with
        demo contacts.
      </p>
    </section>
  );
}

function HubSpotBanner({ portal }: { portal: Portal }) {
  const healthy = portal.status === "connected";
  return (
    <section
      className={healthy ? "banner" : "banner banner-warning"}
      data-testid="portal-banner"
      aria-label="Active portal"
    >
      <div className="banner-title">
        <h2>HubSpot portal</h2>
        <span className={healthy ? "badge" : "badge badge-warning"}>{statusLabel(portal.status)}</span>
      </div>
      <p className="banner-note">
        Hubsync syncs your lead store with this HubSpot portal.
        {portal.status_detail !== null && !healthy && <> {portal.status_detail}</>}
      </p>
      <dl className="facts">
        <div>
          <dt>Portal</dt>
          <dd data-testid="portal-name">{portal.name}</dd>
        </div>
        <div>
          <dt>Portal ID</dt>
          <dd data-testid="portal-id">{portal.portal_id}</dd>
        </div>
      </dl>
    </section>
  );
}

/** The built-in sandbox portal; `tests/e2e/window.test.mjs` reads its test ids. */
function SandboxBanner({ state }: { state: Loadable<PortalSummary> }) {
  switch (state.status) {
    case "loading":
      return (
        <section className="banner banner-sandbox" aria-busy="true" data-testid="sandbox-banner">
          <h2>Sandbox portal</h2>
          <p className="banner-note">Starting the built-in sandbox portal…</p>
        </section>
      );
    case "failed":
      return (
        <section className="banner banner-error" role="alert" data-testid="sandbox-error">
          <h2>Sandbox portal unavailable</h2>
          <p className="banner-note">
            The built-in sandbox portal could not be reached, so there is nothing to sync with yet.
          </p>
          <p className="error-detail">
            {state.error.message} <code>{state.error.code}</code>
          </p>
        </section>
      );
    case "ready": {
      const portal = state.value;
      return (
        <section className="banner banner-sandbox" data-testid="sandbox-banner">
          <div className="banner-title">
            <h2>Sandbox portal</h2>
            <span className="badge badge-sandbox">Built-in, not HubSpot</span>
          </div>
          <p className="banner-note">
            Hubsync is talking to its built-in HubSpot-compatible portal with demo contacts.
            Nothing you do here reaches HubSpot.
          </p>
          <dl className="facts">
            <div>
              <dt>Portal ID</dt>
              <dd data-testid="portal-id">{portal.portalId}</dd>
            </div>
            <div>
              <dt>Contacts</dt>
              <dd data-testid="contact-count">{numberFormat.format(portal.contactCount)}</dd>
            </div>
            <div className="fact-wide">
              <dt>Base URL</dt>
              <dd data-testid="base-url">
                <code>{portal.baseUrl}</code>
              </dd>
            </div>
          </dl>
        </section>
      );
    }
  }
}
