import { useEffect, useState } from "react";
import logoUrl from "../../icons/icon.svg";
import { fetchSandboxPortal, toCommandError, type CommandError, type SandboxPortal } from "./portal";

type PortalState =
  | { status: "loading" }
  | { status: "ready"; portal: SandboxPortal }
  | { status: "failed"; error: CommandError };

const numberFormat = new Intl.NumberFormat();

export function App() {
  const [state, setState] = useState<PortalState>({ status: "loading" });

  useEffect(() => {
    let active = true;
    fetchSandboxPortal().then(
      (portal) => {
        if (active) setState({ status: "ready", portal });
      },
      (error: unknown) => {
        if (active) setState({ status: "failed", error: toCommandError(error) });
      },
    );
    // StrictMode mounts twice in development; drop the first mount's answer.
    return () => {
      active = false;
    };
  }, []);

  return (
    <div className="app">
      <header className="app-header">
        <img className="app-logo" src={logoUrl} alt="" width={40} height={40} />
        <div>
          <h1>Hubsync</h1>
          <p className="tagline">Your lead store and HubSpot contacts, kept in step.</p>
        </div>
      </header>
      <main>
        <PortalBanner state={state} />
      </main>
    </div>
  );
}

function PortalBanner({ state }: { state: PortalState }) {
  switch (state.status) {
    case "loading":
      return (
        <section className="banner" aria-busy="true" data-testid="sandbox-banner">
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
            <code>{state.error.code}</code> {state.error.message}
          </p>
        </section>
      );
    case "ready": {
      const { portal } = state;
      return (
        <section className="banner" data-testid="sandbox-banner">
          <div className="banner-title">
            <h2>Sandbox portal</h2>
            <span className="badge">Built-in</span>
          </div>
          <p className="banner-note">
            No HubSpot account is connected, so Hubsync is using its built-in HubSpot-compatible
            portal with demo contacts.
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
